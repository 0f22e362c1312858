// SPDX-License-Identifier: GPL-3.0-or-later

package harness

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// AptProxy is an HTTP proxy on the host side of a box's network that
// forwards apt's requests to the Debian mirrors the host's own sources
// name, and to nothing else: a box has no route out, and with this proxy
// it reaches the same mirror the image build used (for an in-place
// release upgrade inside a box).
type AptProxy struct {
	srv     *http.Server
	addr    string
	allowed map[string]bool
	// Requests counts the requests forwarded.
	Requests atomic.Int64
}

// StartAptProxy listens on hostIP (the host's address as the box sees it)
// and serves until the test ends.
func StartAptProxy(t testing.TB, hostIP string) *AptProxy {
	t.Helper()
	hosts, err := mirrorHosts()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(hostIP, "0"))
	if err != nil {
		t.Fatalf("apt proxy: %v", err)
	}
	p := &AptProxy{addr: ln.Addr().String(), allowed: hosts}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second}
	go p.srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p.srv.Shutdown(ctx)
	})
	return p
}

// URL is the proxy's address for apt's Acquire::http::Proxy.
func (p *AptProxy) URL() string { return "http://" + p.addr + "/" }

// ServeHTTP forwards one absolute-URI GET or HEAD to an allowed mirror.
func (p *AptProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.URL.Scheme != "http" || !p.allowed[r.URL.Hostname()] {
		http.Error(w, "only GET and HEAD to the host's Debian mirrors", http.StatusForbidden)
		return
	}
	p.Requests.Add(1)
	out, err := http.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, h := range []string{"Range", "If-Modified-Since", "If-Range", "Cache-Control", "User-Agent"} {
		if v := r.Header.Get(h); v != "" {
			out.Header.Set(h, v)
		}
	}
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// mirrorHosts are the hosts of the http URIs in the host's apt sources.
func mirrorHosts() (map[string]bool, error) {
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*")
	files = append(files, "/etc/apt/sources.list")
	hosts := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, field := range strings.Fields(string(b)) {
			if !strings.HasPrefix(field, "http://") {
				continue
			}
			if u, err := url.Parse(field); err == nil && strings.Contains(u.Path, "debian") {
				hosts[u.Hostname()] = true
			}
		}
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("the host's apt sources name no http Debian mirror")
	}
	return hosts, nil
}
