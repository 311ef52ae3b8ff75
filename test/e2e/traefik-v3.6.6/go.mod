// Builds Traefik v3.6.6, the version seed 000 ran, to replay what it did with one listener's
// Secret missing (test/e2e/acme-traefik-v3.6.6.test.ts). The replace and exclude directives are
// Traefik's own at this version (a dependent module does not inherit them).
module certguard.local/e2e/traefik-v3.6.6

go 1.26.0

require github.com/traefik/traefik/v3 v3.6.6

replace (
	github.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1-0.20200324110947-a37a7636d23e
	github.com/gorilla/mux => github.com/containous/mux v0.0.0-20250523120546-41b6ec3aed59
	github.com/mailgun/minheap => github.com/containous/minheap v0.0.0-20190809180810-6e71eb837595
)

exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible
