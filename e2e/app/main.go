// The application the end-to-end runtime tests deploy: a small HTTP server standing in for a real web application.
// It serves its version (header X-App-Version on every answer), /healthz, Prometheus metrics at /metrics, drains
// in-flight requests on SIGTERM, and has the one-off commands a release runs: migrate and backup.
//
// Behaviour comes from the image's environment (set per version tag when the image is built):
//
//	APP_VERSION        the version it reports
//	APP_HEALTH=never   a broken release: /healthz and every request answer 503, so it never becomes healthy
//	APP_MIGRATION=fail the migration exits 1
//	APP_START_DELAY_MS milliseconds before it listens (a real application's start-up), default 1000
//	PORT               port to listen on, default 3000
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func env(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

var (
	version = env("APP_VERSION", "unknown")
	broken  = os.Getenv("APP_HEALTH") == "never"
)

// requests counts answers by path and status for /metrics.
type requests struct {
	sync.Mutex
	counts map[string]uint64
}

func (r *requests) add(path string, status int) {
	r.Lock()
	r.counts[fmt.Sprintf("path=%q,code=\"%d\"", path, status)]++
	r.Unlock()
}

func main() {
	command := "serve"
	if len(os.Args) > 1 {
		command = os.Args[1]
	}
	switch command {
	case "serve":
		serve()
	case "migrate":
		migrate()
	case "backup":
		backup()
	case "healthcheck":
		healthcheck()
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q: serve, migrate, backup or healthcheck\n", command)
		os.Exit(2)
	}
}

func serve() {
	delay, _ := strconv.Atoi(env("APP_START_DELAY_MS", "1000"))
	time.Sleep(time.Duration(delay) * time.Millisecond)
	started := time.Now()
	hostname, _ := os.Hostname()
	secret := sha256.Sum256([]byte(os.Getenv("SESSION_SECRET")))
	secretHash := hex.EncodeToString(secret[:])[:12]
	counts := &requests{counts: map[string]uint64{}}
	mux := http.NewServeMux()
	answer := func(w http.ResponseWriter, path string, status int, body string) {
		w.Header().Set("X-App-Version", version)
		w.Header().Set("X-App-Instance", hostname)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
		counts.add(path, status)
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if broken {
			answer(w, "/healthz", http.StatusServiceUnavailable, "unhealthy\n")
			return
		}
		answer(w, "/healthz", http.StatusOK, "ok\n")
	})
	mux.HandleFunc("/version", func(w http.ResponseWriter, _ *http.Request) {
		answer(w, "/version", http.StatusOK, fmt.Sprintf("{\"version\":%q,\"instance\":%q,\"secretSha256\":%q,\"logLevel\":%q}\n", version, hostname, secretHash, os.Getenv("LOG_LEVEL")))
	})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		counts.Lock()
		keys := make([]string, 0, len(counts.counts))
		for key := range counts.counts {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# HELP app_build_info The running version.\n# TYPE app_build_info gauge\napp_build_info{version=%q} 1\n", version)
		fmt.Fprintf(w, "# HELP app_start_time_seconds Start time of the process.\n# TYPE app_start_time_seconds gauge\napp_start_time_seconds %d\n", started.Unix())
		fmt.Fprint(w, "# HELP http_requests_total Requests answered, by path and status.\n# TYPE http_requests_total counter\n")
		for _, key := range keys {
			fmt.Fprintf(w, "http_requests_total{version=%q,%s} %d\n", version, key, counts.counts[key])
		}
		counts.Unlock()
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		if broken {
			answer(w, "/", http.StatusServiceUnavailable, "broken release "+version+"\n")
			return
		}
		answer(w, "/", http.StatusOK, version+"\n")
	})
	server := &http.Server{Addr: ":" + env("PORT", "3000"), Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second}
	stopped := make(chan struct{})
	go func() {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
		<-signals
		// Finish what is in flight, close idle keep-alive connections, refuse new ones: what a well-behaved app does.
		ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
		defer cancel()
		_ = server.Shutdown(ctx)
		close(stopped)
	}()
	fmt.Printf("app %s listening on %s\n", version, server.Addr)
	if err := server.ListenAndServe(); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	<-stopped
}

func migrate() {
	duration, _ := strconv.Atoi(env("APP_MIGRATION_MS", "300"))
	fmt.Printf("migrating the database for %s\n", version)
	time.Sleep(time.Duration(duration) * time.Millisecond)
	if os.Getenv("APP_MIGRATION") == "fail" {
		fmt.Fprintf(os.Stderr, "migration of %s failed: relation \"orders\" already exists\n", version)
		os.Exit(1)
	}
	fmt.Println("migrations applied")
}

// backup writes the file the runtime's backup step names ($BACKUP_FILE), as a backupCommand must.
func backup() {
	file := os.Getenv("BACKUP_FILE")
	if file == "" {
		fmt.Fprintln(os.Stderr, "BACKUP_FILE is not set")
		os.Exit(1)
	}
	content := fmt.Sprintf("backup taken by %s at %s\n", version, time.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func healthcheck() {
	client := http.Client{Timeout: 2 * time.Second}
	response, err := client.Get("http://127.0.0.1:" + env("PORT", "3000") + "/healthz")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	response.Body.Close()
	if response.StatusCode != http.StatusOK {
		fmt.Fprintf(os.Stderr, "healthz answered %d\n", response.StatusCode)
		os.Exit(1)
	}
}
