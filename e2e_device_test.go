package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/oob"
)

// deviceProvider is a provider offering the device grant, polled every
// second.
func deviceProvider(t *testing.T) *cellsop.Server {
	return cellsop.NewTest(t, cellsop.Options{Device: &cellsop.DeviceOptions{Interval: time.Second}})
}

// deviceLoginCLI runs login against srv's issuer as the device client,
// with no redirect URI: the device grant by default. answer plays the
// person once the device has polled once: it reads the user code off
// stderr and approves, declines or lets it expire. It returns the exit
// code and stderr.
func deviceLoginCLI(t *testing.T, srv *cellsop.Server, cfg string, answer func(*cellsop.Server, string) error, extra ...string) (int, string) {
	t.Helper()
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	args := append([]string{"cells-oob", "--config", cfg, "login", "--issuer", srv.Issuer(), "--client-id", cellsop.DeviceClientID}, extra...)
	go func() { done <- run(context.Background(), args, strings.NewReader(""), &syncBuffer{}, stderr) }()
	code, err := srv.WaitUserCode(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the user code on stderr", func() bool { return strings.Contains(stderr.String(), "Code: "+code+"\n") })
	if err := srv.WaitPolls(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if err := answer(srv, code); err != nil {
		t.Fatal(err)
	}
	select {
	case exit := <-done:
		return exit, stderr.String()
	case <-time.After(30 * time.Second):
		t.Fatalf("login did not finish; stderr:\n%s", stderr)
	}
	return -1, ""
}

func TestE2EDeviceApproved(t *testing.T) {
	srv := deviceProvider(t)
	cfg, _ := seedConfig(t)
	exit, stderr := deviceLoginCLI(t, srv, cfg, (*cellsop.Server).ApproveDevice)
	if exit != exitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", exit, stderr)
	}
	if !strings.Contains(stderr, "\n"+srv.URL+cellsop.PathDeviceVerify+"\n") {
		t.Errorf("the verification URI is not on a line of its own:\n%s", stderr)
	}
	name, p, err := readConfig(t, cfg).Select("")
	if err != nil {
		t.Fatal(err)
	}
	if p.Method != oob.MethodDevice || p.User.Subject != cellsop.UserID || p.Token.RefreshToken == "" {
		t.Errorf("profile %s: method %q, user %q, refresh token %t", name, p.Method, p.User.Subject, p.Token.RefreshToken != "")
	}
	assertNoSecrets(t, stderr, p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken)
	// Pending once, then approved: two polls, due a second and two
	// after the device authorization request (x/oauth2 polls at the ticks
	// of a ticker started after its answer, so a poll that arrives late
	// leaves the next one on its tick: only the due times are a bound no
	// load can break).
	asked, times := srv.Times(cellsop.PathDevice), srv.Times(cellsop.PathToken)
	if len(asked) != 1 || len(times) != 2 || times[0].Sub(asked[0]) < 900*time.Millisecond || times[1].Sub(asked[0]) < 1900*time.Millisecond {
		t.Errorf("device authorization requested at %v, polls at %v: want two, a second and two after it", asked, times)
	}
	// The session keeps itself fresh as a pasted one does.
	if exit, _, stderr := runCLI(t, "--config", cfg, "refresh"); exit != exitOK {
		t.Errorf("refresh: exit %d; stderr:\n%s", exit, stderr)
	}
}

func TestE2EDeviceRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(*cellsop.Server, string) error
		exit   int
		says   string
	}{
		{"denied", (*cellsop.Server).DenyDevice, exitInvalid, "the sign-in was declined at "},
		{"expired", (*cellsop.Server).ExpireDevice, exitExpired, "the code expired before the sign-in was approved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := deviceProvider(t)
			cfg, before := seedConfig(t)
			exit, stderr := deviceLoginCLI(t, srv, cfg, tc.answer, "--device")
			if exit != tc.exit || !strings.Contains(stderr, "cells-oob: device login: "+tc.says) {
				t.Errorf("exit %d, want %d saying %q; stderr:\n%s", exit, tc.exit, tc.says, stderr)
			}
			assertUnchanged(t, cfg, before)
		})
	}
}

func TestE2EDeviceNotOffered(t *testing.T) {
	cells := cellsop.NewTest(t)
	cfg, before := seedConfig(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"login", "--device", "--url", cells.URL},
			cells.URL + " does not offer the device authorization grant (Cells does not): sign in with the paste (leave out --device)"},
		{[]string{"login", "--issuer", cells.Issuer()},
			cells.URL + " does not offer the device authorization grant, and without it an issuer needs a redirect URI: give --redirect-uri, the address registered for this client that shows the code, or --loopback"},
	} {
		exit, _, stderr := runCLI(t, append([]string{"--config", cfg}, tc.args...)...)
		if exit != exitUsage || stderr != "cells-oob: "+tc.want+"\n" {
			t.Errorf("%v: exit %d, want 2; stderr:\n%s\nwant:\ncells-oob: %s", tc.args, exit, stderr, tc.want)
		}
	}
	if n := cells.Count(cellsop.PathToken) + cells.Count(cellsop.PathDevice); n != 0 {
		t.Errorf("%d requests to the token or device endpoints, want none", n)
	}
	assertUnchanged(t, cfg, before)
}

// TestE2EDeviceInterrupted interrupts the built binary while it polls:
// exit 130, and the config as it was.
func TestE2EDeviceInterrupted(t *testing.T) {
	bin := builtBinary(t)
	srv := deviceProvider(t)
	cfg, before := seedConfig(t)
	cmd := exec.Command(bin, "--config", cfg, "login", "--device", "--issuer", srv.Issuer(), "--client-id", cellsop.DeviceClientID)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitPolls(t.Context(), 1); err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if exit := exitStatus(t, cmd); exit != exitInterrupted || !strings.HasSuffix(stderr.String(), "cells-oob: login cancelled\n") {
		t.Errorf("exit %d, want 130 and the last line \"cells-oob: login cancelled\"; stderr:\n%s", exit, stderr)
	}
	assertUnchanged(t, cfg, before)
}
