package awsconfig

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cells-oob/cells-oob/oob"
)

// Export makes the AWS profile for a cells-oob profile: the Cells server's
// S3 gateway, with credentials from Command.
type Export struct {
	// Name is the AWS profile's name.
	Name string
	// Command runs cells-oob token --aws for the profile: the program and
	// all its arguments.
	Command []string
	// Out receives notes for people.
	Out io.Writer
}

// profile is the AWS profile for the cells-oob profile called name. A
// profile that was not signed in to a Cells server has no S3 gateway.
func (x *Export) profile(name string, p *oob.Profile) (Profile, error) {
	if p.Server == "" {
		return Profile{}, &oob.NotCellsError{Profile: name, Issuer: p.Issuer, Lacks: "it has no S3 gateway"}
	}
	return Profile{Name: x.Name, Command: x.Command, EndpointURL: strings.TrimRight(p.Server, "/")}, nil
}

// Print writes the AWS profile to w.
func (x *Export) Print(w io.Writer, name string, p *oob.Profile) error {
	prof, err := x.profile(name, p)
	if err != nil {
		return err
	}
	text, err := prof.Section()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, text); err != nil {
		return err
	}
	x.notef("Add this to your AWS config file, or run again with --write; then: aws --profile %s s3 ls s3://io/", x.Name)
	x.tlsNotes(name, p)
	return nil
}

// Write merges the AWS profile into the AWS config file at path (see
// [Write]), and warns when the shared credentials file at credentials
// holds keys for the same profile, which the aws CLI would use instead.
func (x *Export) Write(ctx context.Context, path, credentials, name string, p *oob.Profile) error {
	prof, err := x.profile(name, p)
	if err != nil {
		return err
	}
	res, err := Write(ctx, path, prof)
	if err != nil {
		return err
	}
	switch {
	case res.Unchanged:
		x.notef("The AWS config %s already has profile %q for profile %q: nothing to change.", path, x.Name, name)
	case res.Added:
		x.notef("Added AWS profile %q for profile %q to %s.", x.Name, name, path)
	default:
		x.notef("Updated AWS profile %q for profile %q in %s, keeping its other settings.", x.Name, name, path)
	}
	if res.Path != path {
		x.notef("%s links to %s, which was written; the link stays.", path, res.Path)
	}
	switch {
	case len(res.Removed) > 0:
		// The keys are secrets, and the copy keeps them: say where.
		x.notef("Removed its static keys (%s), which some S3 clients would use instead of credential_process.", strings.Join(res.Removed, ", "))
		x.notef("The old file, with those keys, is kept at %s: delete it once you no longer need them.", res.Backup)
	case res.Backup != "":
		x.notef("The previous file is kept as %s.", res.Backup)
	}
	if Shadowed(credentials, x.Name) {
		x.notef("WARNING: %s has keys for profile %q, which the aws CLI uses instead of credential_process: remove them.", credentials, x.Name)
	}
	x.notef("Try: aws --profile %s s3 ls s3://io/", x.Name)
	x.tlsNotes(name, p)
	return nil
}

// tlsNotes says how to carry the profile's TLS choices over to the aws
// CLI, which has settings of its own for them.
func (x *Export) tlsNotes(name string, p *oob.Profile) {
	if p.TLS.CAFile != "" {
		x.notef("note: profile %q trusts the CA certificates in %s: give them to the aws CLI too (ca_bundle = %s in the profile, or AWS_CA_BUNDLE).", name, p.TLS.CAFile, p.TLS.CAFile)
	}
	if p.TLS.InsecureSkipVerify {
		x.notef("WARNING: profile %q does not verify the server's certificate; the aws CLI does unless given --no-verify-ssl.", name)
	}
}

func (x *Export) notef(format string, args ...any) {
	if x.Out != nil {
		fmt.Fprintf(x.Out, format+"\n", args...)
	}
}
