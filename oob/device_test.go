package oob_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/jwtinfo"
	"github.com/cells-oob/cells-oob/oob"
)

// pollSlack is how much earlier than the interval a poll may reach the
// server: the client's ticker keeps the interval between sends, and the
// server notes arrivals.
const pollSlack = 100 * time.Millisecond

// deviceServer is a provider offering the device grant with the given
// options, polled every second unless they say otherwise.
func deviceServer(t *testing.T, o cellsop.DeviceOptions) *cellsop.Server {
	t.Helper()
	if o.Interval == 0 {
		o.Interval = time.Second
	}
	return cellsop.NewTest(t, cellsop.Options{Device: &o})
}

// deviceOptions sign in to srv's issuer as the device client, with no
// redirect URI: the device grant by default.
func deviceOptions(srv *cellsop.Server) oob.LoginOptions {
	return oob.LoginOptions{Issuer: srv.Issuer(), ClientID: cellsop.DeviceClientID, Scopes: cellsop.Scopes}
}

// deviceLogin runs a login, handing person (in a goroutine of its own)
// the user code the login shows, as the person would read it.
func deviceLogin(ctx context.Context, srv *cellsop.Server, opts oob.LoginOptions, person func(userCode string)) (*oob.Profile, string, error) {
	shown, out := io.Pipe()
	var lines []string
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(shown)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if code, ok := strings.CutPrefix(sc.Text(), "Code: "); ok && person != nil {
				go person(code)
			}
		}
		io.Copy(io.Discard, shown)
	}()
	p, err := (&oob.Flow{HTTPClient: srv.Client(), Out: out}).Login(ctx, opts)
	out.Close()
	<-read
	return p, strings.Join(lines, "\n"), err
}

// afterPolls answers for the person once the device has polled n times.
func afterPolls(t *testing.T, srv *cellsop.Server, n int, answer func(*cellsop.Server, string) error) func(string) {
	return func(code string) {
		if err := srv.WaitPolls(t.Context(), n); err != nil {
			// A test whose login ended first has returned by now, and
			// may no longer fail.
			if t.Context().Err() == nil {
				t.Error(err)
			}
			return
		}
		if err := answer(srv, code); err != nil {
			t.Error(err)
		}
	}
}

// checkSpacing fails unless the polls reached the server at least gaps
// apart, one gap per poll after the first.
func checkSpacing(t *testing.T, srv *cellsop.Server, gaps ...time.Duration) {
	t.Helper()
	times := srv.Times(cellsop.PathToken)
	if len(times) != len(gaps)+1 {
		t.Fatalf("%d polls, want %d", len(times), len(gaps)+1)
	}
	for i, gap := range gaps {
		if got := times[i+1].Sub(times[i]); got < gap-pollSlack {
			t.Errorf("poll %d came %v after the one before, want at least %v", i+2, got, gap)
		}
	}
}

func TestDeviceApproved(t *testing.T) {
	srv := deviceServer(t, cellsop.DeviceOptions{})
	p, shown, err := deviceLogin(t.Context(), srv, deviceOptions(srv), afterPolls(t, srv, 1, (*cellsop.Server).ApproveDevice))
	if err != nil {
		t.Fatalf("login: %v\n%s", err, shown)
	}
	if p.Method != oob.MethodDevice || p.RedirectURI != "" || p.Endpoints.Device != srv.URL+cellsop.PathDevice {
		t.Errorf("profile: method %q, redirect %q, device endpoint %q", p.Method, p.RedirectURI, p.Endpoints.Device)
	}
	if p.User.Subject != cellsop.UserID || p.Token.IDToken == "" || p.Token.RefreshToken == "" || len(p.SigningKeys) == 0 {
		t.Errorf("profile: user %q, ID token %t, refresh token %t, keys %t", p.User.Subject, p.Token.IDToken != "", p.Token.RefreshToken != "", len(p.SigningKeys) > 0)
	}
	if !strings.Contains(shown, srv.URL+cellsop.PathDeviceVerify+"\n") {
		t.Errorf("the login did not show the verification URI on a line of its own:\n%s", shown)
	}
	// Pending once, then approved: two polls a second apart.
	checkSpacing(t, srv, time.Second)
	if n := srv.Count(cellsop.PathDevice); n != 1 {
		t.Errorf("%d device authorization requests, want 1", n)
	}
}

func TestDeviceDenied(t *testing.T) {
	srv := deviceServer(t, cellsop.DeviceOptions{})
	p, shown, err := deviceLogin(t.Context(), srv, deviceOptions(srv), afterPolls(t, srv, 1, (*cellsop.Server).DenyDevice))
	if !errors.Is(err, oob.ErrInvalid) || p != nil {
		t.Fatalf("login = %v, %v; want an error matching ErrInvalid\n%s", p, err, shown)
	}
	if !strings.Contains(err.Error(), "declined") {
		t.Errorf("error %q does not say the sign-in was declined", err)
	}
	checkSpacing(t, srv, time.Second)
}

func TestDeviceExpired(t *testing.T) {
	t.Run("expired_token", func(t *testing.T) {
		srv := deviceServer(t, cellsop.DeviceOptions{})
		p, _, err := deviceLogin(t.Context(), srv, deviceOptions(srv), afterPolls(t, srv, 1, (*cellsop.Server).ExpireDevice))
		if !errors.Is(err, oob.ErrExpired) || p != nil {
			t.Fatalf("login = %v, %v; want an error matching ErrExpired", p, err)
		}
		checkSpacing(t, srv, time.Second)
	})
	t.Run("expires_in passed", func(t *testing.T) {
		// The code lives one second, and the first poll would come after
		// three: the login gives up when expires_in has passed, without
		// polling.
		srv := deviceServer(t, cellsop.DeviceOptions{Interval: 3 * time.Second, Lifetime: time.Second})
		start := time.Now()
		p, _, err := deviceLogin(t.Context(), srv, deviceOptions(srv), nil)
		if !errors.Is(err, oob.ErrExpired) || p != nil {
			t.Fatalf("login = %v, %v; want an error matching ErrExpired", p, err)
		}
		if n := srv.Count(cellsop.PathToken); n != 0 {
			t.Errorf("%d polls after the code expired, want none", n)
		}
		if took := time.Since(start); took > 2500*time.Millisecond {
			t.Errorf("the login gave up after %v, want about the code's second", took)
		}
	})
}

func TestDeviceSlowDown(t *testing.T) {
	srv := deviceServer(t, cellsop.DeviceOptions{})
	srv.SlowDown(1)
	p, shown, err := deviceLogin(t.Context(), srv, deviceOptions(srv), afterPolls(t, srv, 1, (*cellsop.Server).ApproveDevice))
	if err != nil || p == nil {
		t.Fatalf("login: %v\n%s", err, shown)
	}
	// slow_down adds 5 s to the interval of 1 s.
	checkSpacing(t, srv, 6*time.Second)
}

func TestDeviceInterrupted(t *testing.T) {
	srv := deviceServer(t, cellsop.DeviceOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	p, _, err := deviceLogin(ctx, srv, deviceOptions(srv), func(string) {
		if err := srv.WaitPolls(t.Context(), 1); err != nil {
			t.Error(err)
		}
		cancel()
	})
	if !errors.Is(err, oob.ErrInterrupted) || p != nil {
		t.Fatalf("login = %v, %v; want an error matching ErrInterrupted", p, err)
	}
}

func TestDeviceWrongAudience(t *testing.T) {
	srv := deviceServer(t, cellsop.DeviceOptions{Audience: "someone-else"})
	p, _, err := deviceLogin(t.Context(), srv, deviceOptions(srv), afterPolls(t, srv, 1, (*cellsop.Server).ApproveDevice))
	if !errors.Is(err, jwtinfo.ErrInvalid) || p != nil {
		t.Fatalf("login = %v, %v; want the ID token refused", p, err)
	}
	if !strings.Contains(err.Error(), "ID token") || !strings.Contains(err.Error(), "audience") {
		t.Errorf("error %q does not say the ID token's audience is wrong", err)
	}
}

func TestDeviceNotOffered(t *testing.T) {
	cells := cellsop.NewTest(t)
	for _, tc := range []struct {
		name string
		opts oob.LoginOptions
		want oob.NoDeviceError
	}{
		{"asked of Cells", oob.LoginOptions{Server: cells.URL, ClientID: cellsop.ClientID, Method: oob.MethodDevice},
			oob.NoDeviceError{Issuer: cells.Issuer(), Cells: true, Asked: true}},
		{"issuer without a redirect URI", oob.LoginOptions{Issuer: cells.Issuer(), ClientID: cellsop.ClientID},
			oob.NoDeviceError{Issuer: cells.Issuer()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := (&oob.Flow{HTTPClient: cells.Client(), Out: io.Discard}).Login(t.Context(), tc.opts)
			var noDevice *oob.NoDeviceError
			if !errors.As(err, &noDevice) || *noDevice != tc.want || p != nil {
				t.Fatalf("login = %v, %v; want %+v", p, err, tc.want)
			}
		})
	}
	if n := cells.Count(cellsop.PathToken); n != 0 {
		t.Errorf("%d token requests, want none", n)
	}
}

// A Cells server that offers the device grant is signed in to with it
// only when asked, or when an earlier login to it was.
func TestDeviceChosen(t *testing.T) {
	srv := deviceServer(t, cellsop.DeviceOptions{})
	opts := oob.LoginOptions{Server: srv.URL, ClientID: cellsop.DeviceClientID, Scopes: cellsop.Scopes, Method: oob.MethodDevice}
	p, shown, err := deviceLogin(t.Context(), srv, opts, afterPolls(t, srv, 1, (*cellsop.Server).ApproveDevice))
	if err != nil {
		t.Fatalf("login: %v\n%s", err, shown)
	}
	opts.Method = ""
	opts.Known = &oob.Config{Profiles: map[string]*oob.Profile{"me": p}}
	again, shown, err := deviceLogin(t.Context(), srv, opts, afterPolls(t, srv, 3, (*cellsop.Server).ApproveDevice))
	if err != nil || again.Method != oob.MethodDevice {
		t.Fatalf("second login: %v\n%s", err, shown)
	}
}
