package ctl

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/supervisorgo/supervisor/internal/ctl/pyfmt"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

func pformat(v any) string { return pyfmt.PFormat(v) }

// faultRepr is str() of an xmlrpc.client.Fault.
func faultRepr(f *xmlrpc.Fault) string {
	return fmt.Sprintf("<Fault %d: %s>", f.Code, pyRepr(f.String))
}

// columnize is cmd.Cmd.columnize: the words in as few rows as fit in
// width columns, each column as wide as its longest word, two spaces
// apart.
func columnize(list []string, width int) string {
	if len(list) == 0 {
		return "<empty>\n"
	}
	if len(list) == 1 {
		return list[0] + "\n"
	}
	size := len(list)
	nrows, ncols := size, 1
	colwidths := []int{0}
	for rows := 1; rows < size; rows++ {
		cols := (size + rows - 1) / rows
		var widths []int
		total := -2
		for col := 0; col < cols; col++ {
			w := 0
			for row := 0; row < rows; row++ {
				i := row + rows*col
				if i >= size {
					break
				}
				w = max(w, len(list[i]))
			}
			widths = append(widths, w)
			total += w + 2
			if total > width {
				break
			}
		}
		if total <= width {
			nrows, ncols, colwidths = rows, cols, widths
			break
		}
	}
	var b strings.Builder
	for row := 0; row < nrows; row++ {
		var texts []string
		for col := 0; col < ncols; col++ {
			i := row + nrows*col
			x := ""
			if i < size {
				x = list[i]
			}
			texts = append(texts, x)
		}
		for len(texts) > 0 && texts[len(texts)-1] == "" {
			texts = texts[:len(texts)-1]
		}
		for col := range texts {
			texts[col] = fmt.Sprintf("%-*s", colwidths[col], texts[col])
		}
		b.WriteString(strings.Join(texts, "  ") + "\n")
	}
	return b.String()
}

// jsonable converts a decoded XML-RPC value for encoding/json.
func jsonable(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = jsonable(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = jsonable(e)
		}
		return out
	case []byte:
		return base64.StdEncoding.EncodeToString(v)
	case time.Time:
		return v.Format("2006-01-02T15:04:05")
	}
	return v
}
