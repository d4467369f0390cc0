package cec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cells-oob/cells-oob/internal/atomicfile"
	"github.com/cells-oob/cells-oob/internal/jsonout"
	"github.com/cells-oob/cells-oob/internal/smallfile"
)

// Writing into cec's config file: the entry merged into what is there,
// every other member kept as it was.

// cecMerge is what mergeCecFile found and did.
type cecMerge struct {
	// previousActive is the ID that was active before.
	previousActive string
	// backup is the copy of the old file, empty if there was none.
	backup string
	// keptRefresh says the entry kept a refresh token cec already had.
	keptRefresh bool
}

// mergeCecFile puts entry e under id into the cec config at path and makes
// it the active one. Every other member of the file, and any member of an
// existing entry for id that e does not set, is kept. The old file is
// first copied to path+".bak"; then the new one replaces it atomically, with
// mode 0600 as it holds tokens.
func mergeCecFile(ctx context.Context, path, id string, e *Entry) (cecMerge, error) {
	var res cecMerge
	old, _, err := smallfile.Read(path, maxCecConfig)
	exists := err == nil
	var notRegular *smallfile.NotRegularError
	var tooLarge *smallfile.TooLargeError
	switch {
	case errors.As(err, &notRegular), errors.As(err, &tooLarge):
		return res, fmt.Errorf("cec config %s: %w (nothing was written)", path, err)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return res, fmt.Errorf("read cec config: %w", err)
	}
	top := make(map[string]json.RawMessage)
	if len(bytes.Trim(old, jsonout.Space)) > 0 {
		if err := json.Unmarshal(old, &top); err != nil {
			return res, cecConfigError(path, old, err)
		}
	}
	activeKey := canonicalKey(top, "ActiveConfigID")
	configsKey := canonicalKey(top, "Configs")
	if _, ok := top[configsKey]; !ok && len(top) > 0 {
		if _, legacy := top["url"]; legacy {
			return res, fmt.Errorf("cec config %s is in an old single-server format: run a cec command once so that cec converts it, then export again (nothing was written)", path)
		}
	}
	if raw, ok := top[activeKey]; ok {
		// A non-string is not worth failing over: it is replaced anyway.
		_ = json.Unmarshal(raw, &res.previousActive)
	}
	configs := make(map[string]json.RawMessage)
	if raw, ok := top[configsKey]; ok && !bytes.Equal(raw, []byte("null")) {
		if err := json.Unmarshal(raw, &configs); err != nil {
			return res, cecConfigError(path, nil, fmt.Errorf("Configs: %w", err))
		}
	}
	entry := make(map[string]json.RawMessage)
	if raw, ok := configs[id]; ok && !bytes.Equal(raw, []byte("null")) {
		if err := json.Unmarshal(raw, &entry); err != nil {
			return res, cecConfigError(path, nil, fmt.Errorf("Configs[%q]: %w", id, err))
		}
	}
	ours, err := json.Marshal(e)
	if err != nil {
		return res, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(ours, &fields); err != nil {
		return res, err
	}
	for k, v := range fields {
		entry[k] = v
	}
	if _, ok := fields["refreshToken"]; !ok {
		var rt string
		_ = json.Unmarshal(entry["refreshToken"], &rt)
		res.keptRefresh = rt != ""
	}
	if configs[id], err = marshalCompact(entry); err != nil {
		return res, err
	}
	delete(top, activeKey)
	delete(top, configsKey)
	if top["ActiveConfigID"], err = json.Marshal(id); err != nil {
		return res, err
	}
	if top["Configs"], err = marshalCompact(configs); err != nil {
		return res, err
	}
	data, err := encodeCec(top)
	if err != nil {
		return res, err
	}

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, fmt.Errorf("create cec config directory: %w", err)
	}
	if exists {
		res.backup = path + ".bak"
		if err := atomicfile.Replace(ctx, res.backup, old); err != nil {
			return res, fmt.Errorf("back up cec config: %w", err)
		}
	}
	if err := atomicfile.Replace(ctx, path, data); err != nil {
		return res, fmt.Errorf("write cec config: %w", err)
	}
	return res, nil
}

// canonicalKey is the key of top that encoding/json, and so cec, would read
// as the field name: name itself if present, else one equal to it up to
// case.
func canonicalKey(top map[string]json.RawMessage, name string) string {
	if _, ok := top[name]; ok {
		return name
	}
	for k := range top {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// cecConfigError names cec's config file and, given the file's data, the
// line of a JSON problem in it.
func cecConfigError(path string, data []byte, err error) error {
	if line := jsonout.ErrorLine(data, err); data != nil && line > 0 {
		return fmt.Errorf("cec config %s:%d: %w (nothing was written)", path, line, err)
	}
	return fmt.Errorf("cec config %s: %w (nothing was written)", path, err)
}

// encodeCec writes v the way cec writes its config: indented with tabs.
// HTML characters stay as they are, so entries that are only carried over
// keep their bytes.
func encodeCec(v any) ([]byte, error) {
	b, err := jsonout.Indent(v, "\t")
	if err != nil {
		return nil, fmt.Errorf("encode cec config: %w", err)
	}
	return b, nil
}

func marshalCompact(v any) (json.RawMessage, error) {
	b, err := jsonout.Indent(v, "")
	return bytes.TrimSuffix(b, []byte("\n")), err
}
