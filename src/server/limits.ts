// Numbers that bound the server, each with where it comes from.

/**
 * kube-apiserver accepts request bodies up to 3 MiB (apiserver MaxRequestBodyBytes) and an
 * AdmissionReview carries both object and oldObject: 2 × 3 MiB + 1 MiB for the rest of the
 * review. controller-runtime's webhook server uses the same 7 MiB (maxRequestSize).
 */
export const MAX_REVIEW_BYTES = 7 * 1024 * 1024;

/**
 * kube-apiserver talks to webhooks through Go's http.Transport, whose idle connections live
 * 90 s (IdleConnTimeout). The server must keep a connection open longer than the client does,
 * or the client may send a review on a connection the server is closing.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 120_000;

/** kube-apiserver's webhook timeout is at most 30 s; a request taking longer is already lost. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * How long one review may take (serve --request-timeout): below the API server's default webhook
 * timeout (10 s) and the chart's timeoutSeconds (5), so certguard answers before the API server
 * stops waiting. The chart derives it from webhook.timeoutSeconds minus a margin.
 */
export const DEFAULT_REVIEW_DEADLINE_MS = 4000;
