package gateway

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// serveDAV answers WebDAV under /dav/ as Cells does, with Basic auth only:
// the username is the login, the password a token. It takes PROPFIND (of
// depth 0 or 1) and GET.
func (g *Gateway) serveDAV(w http.ResponseWriter, r *http.Request) {
	user, token, ok := r.BasicAuth()
	if !ok {
		g.refuse()
		davRefuse(w, "Basic auth needed: the login and a token")
		return
	}
	who, err := g.whoIs(r.Context(), token)
	if err != nil || who.login != user {
		g.refuse()
		davRefuse(w, "the login and token do not go together")
		return
	}
	rel := strings.Trim(strings.TrimPrefix(r.URL.Path, "/dav"), "/")
	switch r.Method {
	case "PROPFIND":
		g.propfind(w, r, rel)
	case http.MethodGet, http.MethodHead:
		body, ok := Objects[rel]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodGet {
			fmt.Fprint(w, body)
		}
	default:
		w.Header().Set("Allow", "PROPFIND, GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func davRefuse(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="Pydio Cells"`)
	http.Error(w, msg, http.StatusUnauthorized)
}

type multistatus struct {
	XMLName   xml.Name      `xml:"DAV: multistatus"`
	Responses []davResponse `xml:"response"`
}

type davResponse struct {
	Href     string `xml:"href"`
	Propstat struct {
		Prop struct {
			Name         string    `xml:"displayname"`
			Length       *int      `xml:"getcontentlength,omitempty"`
			ResourceType *struct{} `xml:"resourcetype>collection,omitempty"`
			Modified     string    `xml:"getlastmodified"`
		} `xml:"prop"`
		Status string `xml:"status"`
	} `xml:"propstat"`
}

// propfind lists rel (a folder or a file) and, at depth 1, what a folder
// holds.
func (g *Gateway) propfind(w http.ResponseWriter, r *http.Request, rel string) {
	_, file := Objects[rel]
	if !file && rel != "" && len(keysUnder(rel+"/")) == 0 {
		http.NotFound(w, r)
		return
	}
	ms := multistatus{Responses: []davResponse{davEntry(rel, !file)}}
	if !file && r.Header.Get("Depth") != "0" {
		prefix := ""
		if rel != "" {
			prefix = rel + "/"
		}
		seen := map[string]bool{}
		for _, k := range keysUnder(prefix) {
			child, _, folder := strings.Cut(k[len(prefix):], "/")
			if !seen[child] {
				seen[child] = true
				ms.Responses = append(ms.Responses, davEntry(prefix+child, folder))
			}
		}
	}
	out, err := xml.Marshal(ms)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	w.WriteHeader(http.StatusMultiStatus)
	w.Write(append([]byte(xml.Header), out...))
}

func davEntry(rel string, folder bool) davResponse {
	var e davResponse
	e.Href = path.Join("/dav", rel)
	e.Propstat.Prop.Name = path.Base("/" + rel)
	e.Propstat.Prop.Modified = modified.Format(http.TimeFormat)
	if folder {
		e.Href += "/"
		e.Propstat.Prop.ResourceType = &struct{}{}
	} else {
		n := len(Objects[rel])
		e.Propstat.Prop.Length = &n
	}
	e.Propstat.Status = "HTTP/1.1 200 OK"
	return e
}
