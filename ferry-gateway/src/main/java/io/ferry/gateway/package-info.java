/**
 * The gateway: Ferry's server. An HTTP produce API on Vert.x ({@link io.ferry.gateway.Gateway}),
 * its YAML configuration ({@link io.ferry.gateway.GatewayConfig}) and Prometheus metrics; the
 * {@code ferry} command line is in {@code io.ferry.gateway.cli}.
 */
package io.ferry.gateway;
