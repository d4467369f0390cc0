package awsconfig

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
)

// Region is the region the Cells S3 gateway signs for.
const Region = "us-east-1"

// DefaultName is the AWS profile export --aws writes unless told otherwise.
const DefaultName = "cells"

// Profile is an AWS config profile for the Cells S3 gateway whose
// credentials come from a command.
type Profile struct {
	// Name is the AWS profile's name, as in aws --profile NAME.
	Name string
	// Command is the credential_process, as the program and its arguments.
	Command []string
	// EndpointURL is the Cells server's URL, where its S3 gateway answers.
	EndpointURL string
}

// ErrNewline says that a value has a line break, which no INI file can
// hold.
var ErrNewline = errors.New("a line break cannot be written in an AWS config file")

// CheckName says whether name can be an AWS profile name: something the AWS
// tools read back as it was written.
func CheckName(name string) error {
	switch {
	case name == "":
		return errors.New("the AWS profile name is empty")
	case strings.ContainsFunc(name, func(r rune) bool {
		return r <= ' ' || r == 0x7f || r == '[' || r == ']' || r == '"' || r == '\'' || r == '#' || r == ';'
	}):
		return fmt.Errorf("the AWS profile name %q has a space, a control character, a quote, a bracket, # or ;", name)
	}
	return nil
}

// header is the section line that names the profile: [default] for the
// default profile, else [profile NAME].
func (p Profile) header() string {
	if p.Name == "default" {
		return "[default]"
	}
	return "[profile " + p.Name + "]"
}

// settings are the profile's lines after its header, in order: each a
// top-level setting, the last with its nested one.
func (p Profile) settings() ([]setting, error) {
	cmd, err := CommandLine(p.Command, runtime.GOOS)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(p.EndpointURL, "\r\n") {
		return nil, ErrNewline
	}
	return []setting{
		{key: "credential_process", value: cmd},
		{key: "endpoint_url", value: p.EndpointURL},
		{key: "region", value: Region},
		{key: "s3", nested: []setting{{key: "addressing_style", value: "path"}}},
	}, nil
}

// Section is the profile as it stands in an AWS config file.
func (p Profile) Section() (string, error) {
	if err := CheckName(p.Name); err != nil {
		return "", err
	}
	set, err := p.settings()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(p.header() + "\n")
	for _, s := range set {
		for _, line := range s.lines(nestIndent) {
			b.WriteString(line + "\n")
		}
	}
	return b.String(), nil
}

// nestIndent is how a nested setting is indented unless the file already
// indents its own otherwise.
const nestIndent = "  "

// setting is one "key = value" line, or a key whose value is nested
// settings on the lines below it.
type setting struct {
	key, value string
	nested     []setting
}

func (s setting) lines(indent string) []string {
	if s.nested == nil {
		return []string{s.key + " = " + s.value}
	}
	out := []string{s.key + " ="}
	for _, n := range s.nested {
		out = append(out, indent+n.key+" = "+n.value)
	}
	return out
}

// CommandLine writes args as a credential_process value: one line that the
// AWS tools split back into args. botocore splits it as a POSIX shell would
// (shlex) and the Go SDKs hand it to sh -c, so on Unix an argument that is
// not plain goes in single quotes; on Windows, where it is split as
// CommandLineToArgvW does or run by cmd.exe, in double quotes.
func CommandLine(args []string, goos string) (string, error) {
	if len(args) == 0 {
		return "", errors.New("no credential_process command")
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, "\r\n") {
			return "", ErrNewline
		}
		q, err := quoteArg(a, goos)
		if err != nil {
			return "", err
		}
		quoted[i] = q
	}
	return strings.Join(quoted, " "), nil
}

func quoteArg(a, goos string) (string, error) {
	if a != "" && !strings.ContainsFunc(a, func(r rune) bool { return !plainRune(r) }) {
		return a, nil
	}
	if goos != "windows" {
		return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'", nil
	}
	// Double quotes are not allowed in Windows file names, and % would be
	// expanded by cmd.exe even inside them.
	if strings.ContainsAny(a, `"%`) {
		return "", fmt.Errorf("%q cannot be quoted for a Windows credential_process", a)
	}
	// Backslashes are literal except before a double quote: the closing
	// one needs those before it doubled.
	trail := len(a) - len(strings.TrimRight(a, `\`))
	return `"` + a + strings.Repeat(`\`, trail) + `"`, nil
}

// plainRune is a rune no shell, splitter or INI reader gives a meaning to.
func plainRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("@+=:,./_-", r)
}
