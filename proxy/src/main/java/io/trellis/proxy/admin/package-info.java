/**
 * The proxy's admin HTTP server, with Envoy's endpoints and formats: server state (/ready, /server_info), stats
 * (/stats in text and JSON, /stats/prometheus), configuration (/config_dump as Envoy's ConfigDump), upstream and
 * listener status (/clusters, /listeners), and operations (/healthcheck/fail and /ok, /drain_listeners,
 * /quitquitquit, /logging, /reopen_logs; these only by POST). It runs on its own event loop, never on the workers.
 */
package io.trellis.proxy.admin;
