package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/internal/awsconfig"
	"github.com/cells-oob/cells-oob/internal/cec"
	"github.com/cells-oob/cells-oob/internal/userdir"
)

// exportOptions are what the export command's flags ask for.
type exportOptions struct {
	cec        bool
	aws        bool
	write      bool
	awsProfile string
	cecConfig  string
}

func (o *exportOptions) flags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "cec", Usage: "a Cells Client (cec) config", Destination: &o.cec},
		&cli.BoolFlag{Name: "aws", Usage: "an AWS config profile for the S3 gateway, whose credentials come from cells-oob token --aws", Destination: &o.aws},
		&cli.BoolFlag{Name: "write", Usage: "merge it into the tool's config file: cec's, handing the session over, or the AWS config ($AWS_CONFIG_FILE or ~/.aws/config)", Destination: &o.write},
		&cli.StringFlag{Name: "aws-profile", Value: awsconfig.DefaultName, Usage: "the AWS profile `NAME` for --aws", Destination: &o.awsProfile},
		&cli.StringFlag{Name: "cec-config", EnvVars: []string{"CELLS_OOB_CEC_CONFIG"}, Usage: "cec's config `FILE` for --write (default: where cec keeps it)", Destination: &o.cecConfig},
	}
}

// check refuses an export for no tool, or for two.
func (o *exportOptions) check() error {
	switch {
	case o.cec && o.aws:
		return usagef("export: give --cec or --aws, not both")
	case !o.cec && !o.aws:
		return usagef("export: name the tool to export for: --cec (Cells Client) or --aws (S3 clients)")
	case o.aws:
		if err := awsconfig.CheckName(o.awsProfile); err != nil {
			return usagef("export: --aws-profile: %v", err)
		}
	}
	return nil
}

func newExportCommand(e *env, run func(context.Context, *exportOptions) error) *cli.Command {
	o := &exportOptions{}
	return &cli.Command{
		Name:      "export",
		Usage:     "print a config for another tool that reuses this session",
		UsageText: "cells-oob [global options] export --cec|--aws [--write]\n\nExample:\n  cells-oob export --cec --write && cec ls\n  cells-oob export --aws --write && aws --profile cells s3 ls s3://io/",
		Flags:     o.flags(),
		Before:    e.needConfig,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("export takes no arguments")
			}
			if err := o.check(); err != nil {
				return err
			}
			return run(c.Context, o)
		},
	}
}

// export prints a config for the tool asked for, or with --write merges
// it into the tool's own.
func (e *env) export(ctx context.Context, o *exportOptions) error {
	if o.aws {
		return e.exportAWS(ctx, o)
	}
	return e.exportCEC(ctx, o)
}

// exportCEC prints a Cells Client config for the profile, or with --write
// merges it into cec's own; see cec.Export for the refresh token.
func (e *env) exportCEC(ctx context.Context, o *exportOptions) error {
	x := &cec.Export{Session: e.session(), Out: e.stderr}
	if !o.write {
		return x.Print(ctx, e.stdout)
	}
	x.Path = o.cecConfig
	if x.Path == "" {
		dir, err := userdir.Config(os.Getenv)
		if err != nil {
			return errors.New("cannot find cec's config file: set HOME, or give --cec-config")
		}
		x.Path = cec.ConfigPath(dir, runtime.GOOS)
	}
	return x.Write(ctx)
}

// exportAWS prints an AWS profile whose credential_process is this
// program's token --aws, or with --write merges it into the AWS config.
func (e *env) exportAWS(ctx context.Context, o *exportOptions) error {
	_, name, p, err := e.profile()
	if err != nil {
		return err
	}
	command, err := e.credentialProcess(name)
	if err != nil {
		return err
	}
	x := &awsconfig.Export{Name: o.awsProfile, Command: command, Out: e.stderr}
	if !o.write {
		return x.Print(e.stdout, name, p)
	}
	home, err := userdir.Home(os.Getenv)
	if err != nil && (os.Getenv("AWS_CONFIG_FILE") == "" || os.Getenv("AWS_SHARED_CREDENTIALS_FILE") == "") {
		return errors.New("cannot find the AWS config file: set HOME, or AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE")
	}
	return x.Write(ctx, awsconfig.ConfigPath(os.Getenv, home), awsconfig.CredentialsPath(os.Getenv, home), name, p)
}

// credentialProcess is the command line that gives the AWS tools the
// credentials of profile name: this program's token --aws, with the
// config named when it is not the default one.
func (e *env) credentialProcess(name string) ([]string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("export: cannot find this program's path for credential_process: %w", err)
	}
	command := []string{self}
	if path := e.global.config; path != defaultConfigPath() {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, err
		}
		command = append(command, "--config", abs)
	}
	return append(command, "--profile", name, "token", "--aws"), nil
}
