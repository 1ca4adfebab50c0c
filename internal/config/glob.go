package config

import (
	"os"
	"path/filepath"
	"strings"
)

// pyGlob is Python's glob.glob(pattern) (non-recursive): "*", "?" and
// "[...]" ("[!...]" negates) in any path component; "*" and "?" do not match
// a leading "." unless the pattern component starts with one; results keep
// the pattern's spelling of the directories, unsorted.
func pyGlob(pattern, cwd string) []string {
	dir, base := pySplit(pattern)
	if !hasMagic(pattern) {
		if base != "" {
			if lexists(pattern, cwd) {
				return []string{pattern}
			}
		} else if isDir(resolve(dir, cwd)) {
			return []string{pattern}
		}
		return nil
	}
	if dir == "" {
		return globInDir("", base, cwd, false)
	}
	dirs := []string{dir}
	if dir != pattern && hasMagic(dir) {
		dirs = globDirs(dir, cwd)
	}
	var out []string
	for _, d := range dirs {
		var names []string
		if hasMagic(base) {
			names = globInDir(d, base, cwd, false)
		} else if base == "" {
			if isDir(resolve(d, cwd)) {
				names = []string{""}
			}
		} else if lexists(pyJoin(d, base), cwd) {
			names = []string{base}
		}
		for _, n := range names {
			out = append(out, pyJoin(d, n))
		}
	}
	return out
}

// globDirs globs a directory pattern, keeping only directories.
func globDirs(pattern, cwd string) []string {
	var out []string
	for _, p := range pyGlob(pattern, cwd) {
		if isDir(resolve(p, cwd)) {
			out = append(out, p)
		}
	}
	return out
}

func globInDir(dir, pattern, cwd string, dirOnly bool) []string {
	entries, err := os.ReadDir(resolve(dir, cwd))
	if err != nil {
		return nil
	}
	hidden := strings.HasPrefix(pattern, ".")
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !hidden && strings.HasPrefix(name, ".") {
			continue
		}
		if dirOnly && !e.IsDir() {
			continue
		}
		if fnmatch(name, pattern) {
			out = append(out, name)
		}
	}
	return out
}

func resolve(p, cwd string) string {
	if p == "" {
		return cwd
	}
	if !filepath.IsAbs(p) {
		return filepath.Join(cwd, p)
	}
	return p
}

func lexists(p, cwd string) bool {
	_, err := os.Lstat(resolve(p, cwd))
	return err == nil
}

func hasMagic(s string) bool { return strings.ContainsAny(s, "*?[") }

// pySplit is os.path.split: the head loses its trailing slashes unless it
// is only slashes.
func pySplit(p string) (head, tail string) {
	i := strings.LastIndexByte(p, '/') + 1
	head, tail = p[:i], p[i:]
	if trimmed := strings.TrimRight(head, "/"); trimmed != "" {
		head = trimmed
	}
	return head, tail
}

// fnmatch is fnmatch.fnmatchcase on POSIX: the whole name must match.
func fnmatch(name, pattern string) bool {
	n, p := []rune(name), []rune(pattern)
	// Iterative matching with backtracking on the last '*'.
	ni, pi, starP, starN := 0, 0, -1, 0
	for ni < len(n) {
		if pi < len(p) {
			switch p[pi] {
			case '*':
				starP, starN = pi, ni
				pi++
				continue
			case '?':
				ni++
				pi++
				continue
			case '[':
				if ok, next, valid := matchClass(p, pi, n[ni]); valid {
					if ok {
						ni++
						pi = next
						continue
					}
				} else if n[ni] == '[' {
					ni++
					pi++
					continue
				}
			default:
				if p[pi] == n[ni] {
					ni++
					pi++
					continue
				}
			}
		}
		if starP >= 0 {
			starN++
			ni, pi = starN, starP+1
			continue
		}
		return false
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matchClass matches c against the class starting at p[i] == '['. valid is
// false when the class has no closing ']' (then '[' is a literal).
func matchClass(p []rune, i int, c rune) (ok bool, next int, valid bool) {
	j := i + 1
	if j < len(p) && p[j] == '!' {
		j++
	}
	if j < len(p) && p[j] == ']' {
		j++
	}
	for j < len(p) && p[j] != ']' {
		j++
	}
	if j >= len(p) {
		return false, 0, false
	}
	body := p[i+1 : j]
	neg := len(body) > 0 && body[0] == '!'
	if neg {
		body = body[1:]
	}
	match := false
	for k := 0; k < len(body); k++ {
		if k+2 < len(body) && body[k+1] == '-' {
			if body[k] <= c && c <= body[k+2] {
				match = true
			}
			k += 2
			continue
		}
		if body[k] == c {
			match = true
		}
	}
	return match != neg, j + 1, true
}
