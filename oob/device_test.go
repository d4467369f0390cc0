package oob_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/safehttp"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/faultserver"
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
	return deviceLoginBy(ctx, &oob.Flow{HTTPClient: srv.Client()}, opts, person)
}

// deviceLoginBy is deviceLogin by flow, whose Out it sets.
func deviceLoginBy(ctx context.Context, flow *oob.Flow, opts oob.LoginOptions, person func(userCode string)) (*oob.Profile, string, error) {
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
	flow.Out = out
	p, err := flow.Login(ctx, opts)
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

// checkSpacing fails unless the polls came at least gaps apart: the first
// gap from the device authorization request to the first poll, then one
// per poll after it. Each poll is held to the sum of the gaps before it,
// from the device authorization request's arrival: x/oauth2 polls at the
// ticks of a ticker started after that answer (and restarted after a
// slow_down's answer), so a poll that reached the server late, as one may
// on a loaded machine, leaves the next one on its tick, and only a
// bound that no delay can break is checked.
func checkSpacing(t *testing.T, srv *cellsop.Server, gaps ...time.Duration) {
	t.Helper()
	asked := srv.Times(cellsop.PathDevice)
	times := srv.Times(cellsop.PathToken)
	if len(asked) != 1 || len(times) != len(gaps) {
		t.Fatalf("%d device authorization requests and %d polls, want 1 and %d", len(asked), len(times), len(gaps))
	}
	due := asked[0]
	for i, gap := range gaps {
		due = due.Add(gap)
		if early := due.Sub(times[i]); early > pollSlack {
			t.Errorf("poll %d came %v before its due time, %v after the device authorization request", i+1, early, due.Sub(asked[0]))
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
	checkSpacing(t, srv, time.Second, time.Second)
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
	checkSpacing(t, srv, time.Second, time.Second)
}

func TestDeviceExpired(t *testing.T) {
	t.Run("expired_token", func(t *testing.T) {
		srv := deviceServer(t, cellsop.DeviceOptions{})
		p, _, err := deviceLogin(t.Context(), srv, deviceOptions(srv), afterPolls(t, srv, 1, (*cellsop.Server).ExpireDevice))
		if !errors.Is(err, oob.ErrExpired) || p != nil {
			t.Fatalf("login = %v, %v; want an error matching ErrExpired", p, err)
		}
		checkSpacing(t, srv, time.Second, time.Second)
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
		if took := time.Since(start); took >= 3*time.Second {
			t.Errorf("the login gave up after %v, when the first poll was due: want it to give up when the code expired, after a second", took)
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
	checkSpacing(t, srv, time.Second, 6*time.Second)
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

// The browser a desktop login opens is sent to the complete verification
// URI, the code in it; a browser that does not start is a note, and the
// person types the code themselves.
func TestDeviceBrowse(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"opened", nil},
		{"not started", errors.New("cannot start the browser")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := deviceServer(t, cellsop.DeviceOptions{})
			var opened []string
			flow := &oob.Flow{HTTPClient: srv.Client(), Browse: func(url string) error {
				opened = append(opened, url)
				return tc.err
			}}
			p, shown, err := deviceLoginBy(t.Context(), flow, deviceOptions(srv), afterPolls(t, srv, 1, (*cellsop.Server).ApproveDevice))
			if err != nil || p == nil {
				t.Fatalf("login: %v\n%s", err, shown)
			}
			code := userCode(t, shown)
			if want := srv.URL + cellsop.PathDeviceVerify + "?user_code=" + code; len(opened) != 1 || opened[0] != want {
				t.Errorf("the browser opened %q, want once %q", opened, want)
			}
			if !strings.HasPrefix(shown, "Sign in in the browser that opens at this URL") || !strings.Contains(shown, "\n"+srv.URL+cellsop.PathDeviceVerify+"\n") {
				t.Errorf("the login does not say a browser opens, with the plain URI to type on a line of its own:\n%s", shown)
			}
			note := "note: " + fmt.Sprint(tc.err) + "; open the URL yourself"
			if said := strings.Contains(shown, note); said != (tc.err != nil) {
				t.Errorf("note %q said: %t, want %t:\n%s", note, said, tc.err != nil, shown)
			}
		})
	}
}

// userCode is the user code a login showed.
func userCode(t *testing.T, shown string) string {
	t.Helper()
	for line := range strings.Lines(shown) {
		if code, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "Code: "); ok {
			return code
		}
	}
	t.Fatalf("no user code shown:\n%s", shown)
	return ""
}

// lostServer is a provider offering the device grant, polled every
// second, behind a fault server that every request of the login passes.
func lostServer(t *testing.T, o cellsop.DeviceOptions) *faultserver.Server {
	t.Helper()
	if o.Interval == 0 {
		o.Interval = time.Second
	}
	return faultserver.NewCells(t, faultserver.Options{Cells: cellsop.Options{Device: &o}})
}

// pauses records the back-off's waits, and lets each pass at once.
type pauses []time.Duration

func (p *pauses) after(d time.Duration) <-chan time.Time {
	*p = append(*p, d)
	c := make(chan time.Time, 1)
	c <- time.Time{}
	return c
}

// notes are the lines of shown that are notes.
func notes(shown string) []string {
	var n []string
	for line := range strings.Lines(shown) {
		if strings.HasPrefix(line, "note: ") {
			n = append(n, strings.TrimSuffix(line, "\n"))
		}
	}
	return n
}

// A poll lost on the way to the token endpoint (RFC 8628 section 3.5) is
// a note, once for each, and polling goes on after a pause that doubles
// the gap between polls: 2, then 4 intervals. Polls lost in a row are what
// doubles it; an answer between them starts over at 2.
func TestDeviceLostPolls(t *testing.T) {
	for _, tc := range []struct {
		fault faultserver.Fault
		// timeout is the client's for each request; says is how a note
		// names the loss.
		timeout time.Duration
		says    string
	}{
		{faultserver.Reset, 0, ""},
		{faultserver.Hang, time.Second, " did not answer within 1s"},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			// Most of each is waiting for the polls' ticker.
			t.Parallel()
			for _, row := range []struct {
				name string
				// lost is how many polls in a row are lost, first before
				// the person answers, then after one poll got through.
				lost, again int
				gaps        []string
				pauses      pauses
			}{
				{"in a row", 2, 0, []string{"2s", "4s"}, pauses{time.Second, 3 * time.Second}},
				{"apart", 1, 1, []string{"2s", "2s"}, pauses{time.Second, time.Second}},
			} {
				t.Run(row.name, func(t *testing.T) {
					t.Parallel()
					fs := lostServer(t, cellsop.DeviceOptions{})
					fs.Set(cellsop.PathToken, tc.fault.Times(row.lost))
					client, err := safehttp.New(safehttp.Options{Timeout: tc.timeout})
					if err != nil {
						t.Fatal(err)
					}
					var waited pauses
					ctx := oob.WithAfter(t.Context(), waited.after)
					person := func(code string) {
						if row.again > 0 {
							// One poll gets an answer, authorization_pending;
							// the next ones are lost.
							if err := fs.Cells.WaitPolls(t.Context(), 1); err != nil {
								t.Error(err)
								return
							}
							fs.Set(cellsop.PathToken, tc.fault.Times(row.again))
						}
						if err := fs.Cells.ApproveDevice(code); err != nil {
							t.Error(err)
						}
					}
					p, shown, err := deviceLoginBy(ctx, &oob.Flow{HTTPClient: client}, deviceOptions(fs.Cells), person)
					if err != nil || p == nil {
						t.Fatalf("login: %v\n%s", err, shown)
					}
					got := notes(shown)
					if len(got) != len(row.gaps) {
						t.Fatalf("%d notes, want one for each poll lost (%d):\n%s", len(got), len(row.gaps), shown)
					}
					for i, note := range got {
						want := "; trying again in " + row.gaps[i]
						if !strings.HasPrefix(note, "note: ") || !strings.Contains(note, fs.URL+tc.says) || !strings.HasSuffix(note, want) {
							t.Errorf("note %q, want one naming %s%s, ending %q", note, fs.URL, tc.says, want)
						}
					}
					// DeviceAccessToken waits the interval itself.
					if !slices.Equal(waited, row.pauses) {
						t.Errorf("paused %v, want %v", waited, row.pauses)
					}
					if n, want := fs.Count(cellsop.PathToken), row.lost+row.again+1+min(row.again, 1); n != want {
						t.Errorf("%d polls, want %d", n, want)
					}
				})
			}
		})
	}
}

// When the code would expire before the next poll, a login whose polls
// are lost ends at once, as expired (exit 3), saying why none got
// through: the person signs in anew either way, once the network is back.
func TestDeviceLostPollsExpire(t *testing.T) {
	// The first poll comes after a second and is lost: the next would
	// come two seconds later, in time; it is lost too, and the one after
	// would come four seconds later, after the code's four.
	fs := lostServer(t, cellsop.DeviceOptions{Lifetime: 4 * time.Second})
	fs.Set(cellsop.PathToken, faultserver.Reset)
	var waited pauses
	ctx := oob.WithAfter(t.Context(), waited.after)
	p, shown, err := deviceLoginBy(ctx, &oob.Flow{HTTPClient: fs.Client()}, deviceOptions(fs.Cells), nil)
	if !errors.Is(err, oob.ErrExpired) || p != nil {
		t.Fatalf("login = %v, %v; want an error matching ErrExpired\n%s", p, err, shown)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "device login: the code expires before the server can be polled again: ") || !strings.Contains(msg, fs.URL) {
		t.Errorf("error %q does not say the code expires before the token endpoint, at %s, can be reached", msg, fs.URL)
	}
	if n := notes(shown); len(n) != 1 || !strings.HasSuffix(n[0], "; trying again in 2s") {
		t.Errorf("notes %q, want one, for the first poll lost", n)
	}
	if n := fs.Count(cellsop.PathToken); n != 2 {
		t.Errorf("%d polls, want 2", n)
	}
}

// Ctrl-C while the login backs off ends it at once.
func TestDeviceLostPollsInterrupted(t *testing.T) {
	fs := lostServer(t, cellsop.DeviceOptions{})
	fs.Set(cellsop.PathToken, faultserver.Reset)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	paused := false
	ctx = oob.WithAfter(ctx, func(time.Duration) <-chan time.Time {
		paused = true
		cancel()
		return nil
	})
	p, shown, err := deviceLoginBy(ctx, &oob.Flow{HTTPClient: fs.Client()}, deviceOptions(fs.Cells), nil)
	if !errors.Is(err, oob.ErrInterrupted) || p != nil || !paused {
		t.Fatalf("login = %v, %v (paused: %t); want an error matching ErrInterrupted during the pause\n%s", p, err, paused, shown)
	}
}
