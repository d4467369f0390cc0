package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/skipnote"

	"github.com/cells-oob/cells-oob/internal/awsconfig"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/gateway"
	"github.com/cells-oob/cells-oob/internal/testenv/oobtest"
)

// needTool finds a program the test drives, or skips the test with a note
// naming the Debian package that has it.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		skipnote.Skip(t, "the tests with "+name, fmt.Sprintf("%s is not on PATH (Debian package %s)", name, pkg))
	}
	return path
}

// s3Client runs S3 clients as a user would after cells-oob export --aws
// --write: a home of their own, with the AWS config there, and none of
// the test runner's AWS settings.
type s3Client struct {
	t       *testing.T
	bin     string
	cfg     string
	front   *gateway.Front
	home    string
	awsFile string
	env     []string
	// clock is the provider's.
	clock *cellsop.Clock
}

func newS3Client(t *testing.T, front *gateway.Front, cfg string) *s3Client {
	t.Helper()
	home := t.TempDir()
	c := &s3Client{t: t, bin: builtBinary(t), cfg: cfg, front: front, home: home, awsFile: filepath.Join(home, ".aws", "config")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "RCLONE_") && !strings.HasPrefix(kv, "CELLS_OOB_") && !strings.HasPrefix(kv, "HOME=") {
			c.env = append(c.env, kv)
		}
	}
	c.env = append(c.env, "HOME="+home, "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	return c
}

// exportedS3Client is a person who signed in with the CLI to a new
// gateway's provider, whose access tokens live lifetime, and wrote the AWS
// profile: where each S3 client test starts. It returns the AWS config as
// written too.
func exportedS3Client(t *testing.T) (*s3Client, string) {
	t.Helper()
	clock := cellsop.NewClock()
	front := gateway.NewTest(t, cellsop.Options{AccessTokenLifetime: s3TokenLifetime, Now: clock.Now})
	c := newS3Client(t, front, signInWithCLI(t, front.Provider))
	c.clock = clock
	return c, c.export()
}

// s3TokenLifetime is how long the provider's access tokens live in the S3
// tests; expireToken moves its clock past it.
const s3TokenLifetime = 5 * time.Minute

// expireToken makes the access token expire as time passing would: the
// provider's clock moves past its lifetime, and the profile's expiry, which
// cells-oob judges by the real clock, into the past. The token the profile
// held is returned, refused by the server from now on.
func (c *s3Client) expireToken() string {
	c.t.Helper()
	old := storedProfile(c.t, c.cfg).Token.AccessToken
	c.clock.Advance(s3TokenLifetime + time.Minute)
	setStoredExpiry(c.t, c.cfg, time.Now().Add(-time.Second))
	if oobtest.Accepted(c.t, c.front.Provider, old) {
		c.t.Fatal("the server still takes the access token after its lifetime")
	}
	return old
}

// run runs name with args and the client's environment plus extra, and
// returns stdout, failing the test unless it exits 0.
func (c *s3Client) run(extra []string, name string, args ...string) string {
	c.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(append([]string(nil), c.env...), extra...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// export writes the AWS profile with the built binary, as its
// credential_process will be that binary.
func (c *s3Client) export() string {
	c.t.Helper()
	c.run(nil, c.bin, "--config", c.cfg, "export", "--aws", "--write")
	data, err := os.ReadFile(c.awsFile)
	if err != nil {
		c.t.Fatal(err)
	}
	return string(data)
}

// aws runs the aws CLI on profile cells. An aws CLI too old to read
// endpoint_url from the profile (before 1.29 and 2.13) gets it on the
// command line.
func (c *s3Client) aws(args ...string) string {
	c.t.Helper()
	full := append([]string{"--profile", awsconfig.DefaultName}, args...)
	if !awsReadsEndpointURL(c.t) && args[0] != "configure" {
		full = append(full, "--endpoint-url", c.front.URL)
	}
	return c.run(nil, "aws", full...)
}

// awsReadsEndpointURL says whether the aws CLI on PATH takes endpoint_url
// from the config file.
func awsReadsEndpointURL(t *testing.T) bool {
	t.Helper()
	major, minor := awsVersion(t)
	return major == 1 && minor >= 29 || major == 2 && minor >= 13 || major > 2
}

func awsVersion(t *testing.T) (int, int) {
	t.Helper()
	out, err := exec.Command("aws", "--version").CombinedOutput()
	m := regexp.MustCompile(`aws-cli/(\d+)\.(\d+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("aws --version: %v: %s", err, out)
	}
	major, _ := strconv.Atoi(string(m[1]))
	minor, _ := strconv.Atoi(string(m[2]))
	return major, minor
}

// TestE2EAWS signs in, exports the AWS profile and lists through the
// stand-in gateway with the aws CLI; once the access token has expired on
// the server, the next call gets a new one through credential_process.
func TestE2EAWS(t *testing.T) {
	needTool(t, "aws", "awscli")
	c, awsFile := exportedS3Client(t)
	front, cfg := c.front, c.cfg
	first := storedProfile(t, cfg)
	for _, want := range []string{
		"[profile cells]\n",
		"credential_process = " + c.bin + " --config " + cfg + " --profile ",
		" token --aws\n",
		"endpoint_url = " + front.URL + "\n",
		"region = us-east-1\n",
		"s3 =\n  addressing_style = path\n",
	} {
		if !strings.Contains(awsFile, want) {
			t.Errorf("the AWS config lacks %q:\n%s", want, awsFile)
		}
	}
	secrets := []string{first.Token.AccessToken, first.Token.RefreshToken, first.Token.IDToken}
	assertNoSecrets(t, awsFile, secrets...)
	if !awsReadsEndpointURL(t) {
		t.Logf("this aws CLI does not read endpoint_url from its config: giving it --endpoint-url")
	}

	// The aws CLI reads the credentials cells-oob prints, the long access
	// token included, unchanged.
	if major, _ := awsVersion(t); major >= 2 {
		var creds awsconfig.Credentials
		out := c.aws("configure", "export-credentials", "--format", "process")
		if err := json.Unmarshal([]byte(out), &creds); err != nil {
			t.Fatalf("export-credentials: %v\n%s", err, out)
		}
		p := storedProfile(t, cfg)
		if creds.AccessKeyID != p.Token.AccessToken || creds.SecretAccessKey != gateway.Secret || creds.Expiration == nil || !creds.Expiration.Equal(p.Token.Expiry.Truncate(time.Second)) {
			t.Errorf("export-credentials: access key %d chars (stored: %d), secret %q, expiration %v (stored: %v)",
				len(creds.AccessKeyID), len(p.Token.AccessToken), creds.SecretAccessKey, creds.Expiration, p.Token.Expiry)
		}
	} else {
		t.Logf("aws configure export-credentials needs aws CLI v2")
	}

	refreshes := front.Provider.Count(cellsop.PathToken)
	if out := c.aws("s3", "ls"); !strings.Contains(out, " io\n") {
		t.Errorf("aws s3 ls: %q", out)
	}
	out := c.aws("s3", "ls", "s3://io/")
	if !strings.Contains(out, "PRE personal-files/") || !strings.Contains(out, "PRE common-files/") {
		t.Errorf("aws s3 ls s3://io/: %q", out)
	}
	if out := c.aws("s3", "cp", "s3://io/personal-files/hello.txt", "-"); out != gateway.Objects["personal-files/hello.txt"] {
		t.Errorf("aws s3 cp: %q", out)
	}
	p := storedProfile(t, cfg)
	keys := front.Gateway.AccessKeys()
	if len(keys) == 0 || keys[len(keys)-1] != p.Token.AccessToken {
		t.Fatalf("the gateway did not get the stored access token (%d chars) as the access key", len(p.Token.AccessToken))
	}
	t.Logf("the access key is the access token, %d characters, unchanged", len(keys[0]))

	// Once the server no longer takes the token, the next call refreshes.
	old := c.expireToken()
	before := front.Provider.Count(cellsop.PathToken)
	if out := c.aws("s3", "ls", "s3://io/personal-files/"); !strings.Contains(out, " hello.txt\n") {
		t.Errorf("aws s3 ls after expiry: %q", out)
	}
	p = storedProfile(t, cfg)
	keys = front.Gateway.AccessKeys()
	switch {
	case p.Token.AccessToken == old:
		t.Error("the access token was not renewed")
	case keys[len(keys)-1] != p.Token.AccessToken:
		t.Error("the gateway did not get the new access token")
	case front.Provider.Count(cellsop.PathToken) == before:
		// More than one is possible with lifetimes this short: the aws
		// CLI asks credential_process again before each request.
		t.Error("no refresh after the expiry")
	}
	t.Logf("token requests: %d before expiry, %d after", before-refreshes, front.Provider.Count(cellsop.PathToken)-before)
	// No refresh token went anywhere but the config and the provider.
	final, _ := os.ReadFile(c.awsFile)
	assertNoSecrets(t, string(final), first.Token.RefreshToken, p.Token.RefreshToken)
}

// TestE2EAWSRefreshCount makes ten aws calls on a token that has just run
// out for cells-oob, within the lifetime of the next: one refresh in all.
func TestE2EAWSRefreshCount(t *testing.T) {
	needTool(t, "aws", "awscli")
	c, _ := exportedS3Client(t)
	front, cfg := c.front, c.cfg
	setStoredExpiry(t, cfg, time.Now().Add(-time.Second))
	before := front.Provider.Count(cellsop.PathToken)
	start := time.Now()
	for range 10 {
		c.aws("s3", "ls", "s3://io/")
	}
	took := time.Since(start)
	refreshes := front.Provider.Count(cellsop.PathToken) - before
	distinct := map[string]bool{}
	for _, k := range front.Gateway.AccessKeys() {
		distinct[k] = true
	}
	t.Logf("ten aws s3 ls in %v: %d refreshes, %d S3 requests with %d access keys", took.Round(time.Millisecond), refreshes, len(front.Gateway.AccessKeys()), len(distinct))
	if took > 4*time.Minute {
		t.Skipf("ten aws calls took %v, longer than the token is handed out without a refresh", took)
	}
	if refreshes != 1 || len(distinct) != 1 {
		t.Errorf("%d refreshes and %d access keys, want 1 and 1", refreshes, len(distinct))
	}
}

// TestE2ERclone lists through the gateway with rclone, whose S3 remote
// takes its credentials from the AWS profile (env_auth), and so from
// credential_process.
func TestE2ERclone(t *testing.T) {
	needTool(t, "rclone", "rclone")
	c, _ := exportedS3Client(t)
	front, cfg := c.front, c.cfg
	remote := []string{
		"AWS_PROFILE=cells",
		"RCLONE_CONFIG=" + filepath.Join(c.home, "rclone.conf"),
		"RCLONE_CONFIG_CELLS_TYPE=s3",
		"RCLONE_CONFIG_CELLS_PROVIDER=Other",
		"RCLONE_CONFIG_CELLS_ENV_AUTH=true",
		"RCLONE_CONFIG_CELLS_ENDPOINT=" + front.URL,
	}
	if out := c.run(remote, "rclone", "lsf", "cells:io"); out != "common-files/\npersonal-files/\n" {
		t.Errorf("rclone lsf cells:io: %q", out)
	}
	if out := c.run(remote, "rclone", "cat", "cells:io/personal-files/hello.txt"); out != gateway.Objects["personal-files/hello.txt"] {
		t.Errorf("rclone cat: %q", out)
	}
	old := c.expireToken()
	if out := c.run(remote, "rclone", "ls", "cells:io"); !strings.Contains(out, "personal-files/hello.txt") {
		t.Errorf("rclone ls after expiry: %q", out)
	}
	p := storedProfile(t, cfg)
	keys := front.Gateway.AccessKeys()
	if p.Token.AccessToken == old || keys[len(keys)-1] != p.Token.AccessToken {
		t.Error("rclone did not get a new access token after the old one expired")
	}
}
