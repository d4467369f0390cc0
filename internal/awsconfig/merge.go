package awsconfig

import (
	"fmt"
	"strings"
)

// An AWS config file is INI as Python's configparser reads it, which is how
// the aws CLI reads it: [section] lines; "key = value" (or "key: value")
// lines; lines indented deeper than the setting above them continue it,
// which is how nested settings such as "s3 =" are written; and whole-line
// comments starting with # or ;. Merge edits that text line by line and
// leaves every line it has no reason to touch as it was.

// replaced are the settings of an existing section that Merge takes out:
// the static keys that the Go SDKs, and so rclone, would use instead of
// credential_process.
var replaced = []string{"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}

// MergeResult says what Merge changed.
type MergeResult struct {
	// Added is set when the file had no section for the profile.
	Added bool
	// Removed lists the static credential settings taken out of the
	// profile's section.
	Removed []string
}

// Merge returns the AWS config file old with the profile p in it: a
// section of its own appended, or, when old has one, that section's
// settings for credential_process, endpoint_url, region and
// s3.addressing_style set, its static keys removed, and everything else
// kept, comments and other settings included. A profile written in more
// than one section is refused, as is a value with a line break.
func Merge(old []byte, p Profile) ([]byte, MergeResult, error) {
	var res MergeResult
	if err := CheckName(p.Name); err != nil {
		return nil, res, err
	}
	want, err := p.settings()
	if err != nil {
		return nil, res, err
	}
	f := parse(string(old))
	idx := f.sections(p.Name)
	switch len(idx) {
	case 0:
		res.Added = true
		return []byte(f.appendSection(p.header(), want)), res, nil
	case 1:
	default:
		return nil, res, fmt.Errorf("profile %q has %d sections; leave one", p.Name, len(idx))
	}
	sec := f.secs[idx[0]]
	for _, key := range replaced {
		if sec.remove(key) {
			res.Removed = append(res.Removed, key)
		}
	}
	for _, s := range want {
		sec.set(s, f.eol)
	}
	return []byte(f.String()), res, nil
}

// file is a config file cut into sections, the lines before the first
// header being a section with no header.
type file struct {
	secs []*section
	eol  string
}

// section is a header line (empty for the lines before the first one) and
// the items under it.
type section struct {
	header string
	items  []*item
}

// item is a setting with its continuation lines, or a line that is none:
// blank or a comment (key "").
type item struct {
	key    string
	indent int
	lines  []string
}

// parse cuts text into sections and items. It never fails: anything it
// does not recognise is kept as a line of its own. Blank and comment lines
// inside a setting's continuation stay with it; the file's last line gets
// a line end if it has none.
func parse(text string) *file {
	eol := func() string {
		if strings.Contains(text, "\r\n") {
			return "\r\n"
		}
		return "\n"
	}
	if text != "" && !strings.HasSuffix(text, "\n") {
		if strings.HasSuffix(text, "\r") {
			text += "\n"
		} else {
			text += eol()
		}
	}
	f := &file{eol: eol(), secs: []*section{{}}}
	cur := f.secs[0]
	var last *item
	var pending []string
	flush := func() {
		for _, l := range pending {
			cur.items = append(cur.items, &item{lines: []string{l}})
		}
		pending = nil
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		if line == "" {
			continue
		}
		body := strings.TrimRight(line, "\r\n")
		trimmed := strings.TrimSpace(body)
		indent := len(body) - len(strings.TrimLeft(body, " \t"))
		switch {
		case trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';':
			pending = append(pending, line)
			if last == nil {
				flush()
			}
		case last != nil && indent > last.indent:
			last.lines = append(append(last.lines, pending...), line)
			pending = nil
		case trimmed[0] == '[' && strings.Contains(trimmed, "]"):
			flush()
			cur = &section{header: line}
			f.secs = append(f.secs, cur)
			last = nil
		default:
			flush()
			last = &item{key: settingKey(trimmed), indent: indent, lines: []string{line}}
			cur.items = append(cur.items, last)
		}
	}
	flush()
	return f
}

// settingKey is the key of a setting line, lowercase as configparser makes
// it: the text before the first = or :.
func settingKey(trimmed string) string {
	if i := strings.IndexAny(trimmed, "=:"); i >= 0 {
		trimmed = trimmed[:i]
	}
	return strings.ToLower(strings.TrimSpace(trimmed))
}

// name is what a header calls its section: between the first [ and the
// last ].
func (s *section) name() string {
	h := strings.TrimSpace(s.header)
	return strings.TrimSpace(h[1:strings.LastIndex(h, "]")])
}

// sections are the indexes of the sections that hold profile name: the aws
// CLI reads [profile NAME] (any spacing), and [default] for "default".
func (f *file) sections(name string) []int {
	var idx []int
	for i, s := range f.secs {
		if s.header == "" {
			continue
		}
		n := s.name()
		fields := strings.Fields(n)
		if len(fields) == 2 && fields[0] == "profile" && fields[1] == name || name == "default" && n == "default" {
			idx = append(idx, i)
		}
	}
	return idx
}

// remove takes every setting key out of s and reports whether there was
// one.
func (s *section) remove(key string) bool {
	n := len(s.items)
	s.items = deleteItems(s.items, key)
	return len(s.items) != n
}

func deleteItems(items []*item, key string) []*item {
	out := items[:0]
	for _, it := range items {
		if it.key != key || key == "" {
			out = append(out, it)
		}
	}
	return out
}

// set makes setting want hold in s: the first item with its key is
// rewritten in place (a nested setting only in its own line), later ones
// are dropped, and a missing one goes after the section's last setting.
func (s *section) set(want setting, eol string) {
	i := 0
	for i < len(s.items) && s.items[i].key != want.key {
		i++
	}
	if i == len(s.items) {
		s.insert(&item{key: want.key, lines: withEOL(want.lines(nestIndent), eol)})
		return
	}
	it := s.items[i]
	s.items = append(s.items[:i+1], deleteItems(s.items[i+1:], want.key)...)
	if want.nested == nil || !isNestedHead(it.lines[0]) {
		it.lines = withEOL(want.lines(nestIndent), eol)
		return
	}
	it.setNested(want, eol)
}

// isNestedHead says whether a setting line opens nested settings: nothing
// after its = or :.
func isNestedHead(line string) bool {
	i := strings.IndexAny(line, "=:")
	return i >= 0 && strings.TrimSpace(line[i+1:]) == ""
}

// setNested sets the nested settings of want in the nested block it,
// keeping the block's other lines and its indentation.
func (it *item) setNested(want setting, eol string) {
	// The block's own indentation, from its first indented line: blank
	// and comment lines inside it say nothing, and a nested setting
	// written without any would come back as one of the section's own.
	indent := nestIndent
	for _, l := range it.lines[1:] {
		body := strings.TrimRight(l, "\r\n")
		if lead := body[:len(body)-len(strings.TrimLeft(body, " \t"))]; lead != "" && strings.TrimSpace(body) != "" {
			indent = lead
			break
		}
	}
	for _, n := range want.nested {
		line := indent + n.key + " = " + n.value + eol
		found := false
		for j := 1; j < len(it.lines); j++ {
			if settingKey(strings.TrimSpace(it.lines[j])) != n.key {
				continue
			}
			if !found {
				it.lines[j] = line
				found = true
				continue
			}
			it.lines = append(it.lines[:j], it.lines[j+1:]...)
			j--
		}
		if !found {
			it.lines = append(it.lines, line)
		}
	}
}

// insert puts it after the last setting of s, before the blank lines and
// comments that end the section and belong to what follows.
func (s *section) insert(it *item) {
	i := len(s.items)
	for i > 0 && s.items[i-1].key == "" {
		i--
	}
	s.items = append(s.items[:i], append([]*item{it}, s.items[i:]...)...)
}

// appendSection is f with a new section at its end, a blank line apart.
func (f *file) appendSection(header string, set []setting) string {
	text := f.String()
	if text != "" && !strings.HasSuffix(text, "\n"+f.eol) && text != f.eol {
		text += f.eol
	}
	text += header + f.eol
	for _, s := range set {
		text += strings.Join(withEOL(s.lines(nestIndent), f.eol), "")
	}
	return text
}

func withEOL(lines []string, eol string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l + eol
	}
	return out
}

// String is the file's text.
func (f *file) String() string {
	var b strings.Builder
	for _, s := range f.secs {
		b.WriteString(s.header)
		for _, it := range s.items {
			for _, l := range it.lines {
				b.WriteString(l)
			}
		}
	}
	return b.String()
}
