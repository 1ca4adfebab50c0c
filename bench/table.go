package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// value is one measurement.
type value struct {
	v       float64
	ok      bool
	atLeast bool // the run hit a deadline: the true value is larger
}

func (v value) format(prec int) string {
	if !v.ok {
		return "-"
	}
	s := strconv.FormatFloat(v.v, 'f', prec, 64)
	if v.atLeast {
		s = "> " + s
	}
	return s
}

// results maps metric keys to values for one scenario run.
type results map[string]value

// median is the median of key over the runs that measured it (the mean of
// the two middle values for an even count); a lower bound if any run hit
// its deadline.
func median(runs []results, key string) value {
	var vs []float64
	atLeast := false
	for _, r := range runs {
		if v, ok := r[key]; ok && v.ok {
			vs = append(vs, v.v)
			atLeast = atLeast || v.atLeast
		}
	}
	if len(vs) == 0 {
		return value{}
	}
	slices.Sort(vs)
	m := vs[len(vs)/2]
	if len(vs)%2 == 0 {
		m = (vs[len(vs)/2-1] + m) / 2
	}
	return value{v: m, ok: true, atLeast: atLeast}
}

// row is one line of the table.
type row struct {
	scenario  string
	metric    metricDef
	ref, ours value
}

func (r row) ratio() string {
	if !r.ref.ok || !r.ours.ok {
		return "-"
	}
	if r.ref.v == 0 {
		if r.ours.v == 0 {
			return "1"
		}
		return "-"
	}
	q := r.ours.v / r.ref.v
	s := strconv.FormatFloat(q, 'f', 3, 64)
	if q >= 10 {
		s = strconv.FormatFloat(q, 'f', 1, 64)
	}
	if r.ref.atLeast && !r.ours.atLeast {
		s = "< " + s
	}
	return s
}

// formatTable renders the results as a markdown table, with the machine
// description above it and the errors below it.
func formatTable(header string, rows []row, failures []string) string {
	cells := [][]string{{"scenario", "metric", "reference", "ours", "ratio", "target (ours)"}}
	for _, r := range rows {
		cells = append(cells, []string{
			r.scenario, r.metric.label, r.ref.format(r.metric.prec), r.ours.format(r.metric.prec), r.ratio(), r.metric.target,
		})
	}
	width := make([]int, len(cells[0]))
	for _, c := range cells {
		for i, s := range c {
			width[i] = max(width[i], len(s))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", header)
	line := func(c []string) {
		b.WriteString("|")
		for i, s := range c {
			if i >= 2 && i <= 4 {
				fmt.Fprintf(&b, " %*s |", width[i], s)
			} else {
				fmt.Fprintf(&b, " %-*s |", width[i], s)
			}
		}
		b.WriteString("\n")
	}
	line(cells[0])
	b.WriteString("|")
	for i, w := range width {
		if i >= 2 && i <= 4 {
			b.WriteString(" " + strings.Repeat("-", w-1) + ": |")
		} else {
			b.WriteString(" " + strings.Repeat("-", w) + " |")
		}
	}
	b.WriteString("\n")
	for _, c := range cells[1:] {
		line(c)
	}
	if len(failures) > 0 {
		b.WriteString("\nErrors:\n\n")
		for _, f := range failures {
			fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(f, "\n", "\n  "))
		}
	}
	return b.String()
}
