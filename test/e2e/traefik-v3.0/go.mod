// Builds Traefik v3.0, the line whose Gateway API provider drops a whole Gateway when one
// listener's Secret is missing (traefik/traefik#9158): seed 000's deadlock, replayed by
// test/e2e/acme-deadlock-traefik-v3.0.test.ts. The replace and exclude directives are Traefik's
// own at this version (a dependent module does not inherit them).
module certguard.local/e2e/traefik-v3.0

go 1.26.0

require github.com/traefik/traefik/v3 v3.0.4

replace (
	github.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1-0.20200324110947-a37a7636d23e
	github.com/cucumber/godog => github.com/cucumber/godog v0.13.0
	github.com/gorilla/mux => github.com/containous/mux v0.0.0-20220627093034-b2dd784e613f
	github.com/jaguilar/vt100 => github.com/tonistiigi/vt100 v0.0.0-20190402012908-ad4c4a574305
	github.com/mailgun/minheap => github.com/containous/minheap v0.0.0-20190809180810-6e71eb837595
)

exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible
