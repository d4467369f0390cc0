package browser

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// ApproveDevice opens verificationURI, the page where the device
// authorization grant (RFC 8628) sends a person, enters userCode there,
// signs in with username and password and approves the device: the
// device's next poll gets the tokens.
func (b *Browser) ApproveDevice(ctx context.Context, verificationURI, userCode, username, password string) error {
	return b.answerDevice(ctx, verificationURI, userCode, username, password, accepts, "approved")
}

// DenyDevice opens verificationURI, enters userCode and declines, without
// signing in: the device's next poll gets access_denied.
func (b *Browser) DenyDevice(ctx context.Context, verificationURI, userCode string) error {
	return b.answerDevice(ctx, verificationURI, userCode, "", "", declines, "declined")
}

// answerDevice fills the verification page's form: the field named
// user_code gets the code, the others as a sign-in form's do. The page it
// leads to must say want ("approved", "declined") in the element of id
// "device".
func (b *Browser) answerDevice(ctx context.Context, verificationURI, userCode, username, password string, press func(field) bool, want string) error {
	start, err := url.Parse(verificationURI)
	if err != nil {
		return fmt.Errorf("browser: bad verification URI: %w", err)
	}
	c, err := b.client()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, start.String(), nil)
	if err != nil {
		return fmt.Errorf("browser: %w", err)
	}
	nav, err := navigate(c, req)
	if err != nil {
		return err
	}
	if nav.landing != nil {
		return fmt.Errorf("browser: %s sent the browser to %s instead of showing a form", redact(start), redact(nav.landing))
	}
	f, err := findLoginForm(nav.page, nav.url)
	if err != nil {
		return fmt.Errorf("browser: %s (at %s, status %d)", err, redact(nav.url), nav.status)
	}
	isCode := func(fl field) bool { return fl.name == "user_code" }
	if !slices.ContainsFunc(f.fields, isCode) {
		return errors.New("browser: the verification page has no user_code field")
	}
	// The code is typed into its own field, not taken for the username.
	f.fields = slices.DeleteFunc(f.fields, isCode)
	values := f.fill(username, password, press)
	values.Set("user_code", userCode)
	req, err = f.request(ctx, values)
	if err != nil {
		return err
	}
	nav, err = navigate(c, req)
	if err != nil {
		return err
	}
	if nav.landing != nil {
		return fmt.Errorf("browser: the verification page sent the browser to %s", redact(nav.landing))
	}
	done, ok := elementText(nav.page, "device")
	switch {
	case ok && done == want:
		return nil
	case ok:
		return fmt.Errorf("browser: the verification page says the device was %s, not %s", done, want)
	}
	why, ok := elementText(nav.page, "error")
	if !ok {
		why = fmt.Sprintf("status %d", nav.status)
	}
	return fmt.Errorf("browser: the verification page refused: %s", why)
}
