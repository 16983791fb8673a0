/**
 * Security at the gateway's doors (docs/security.md): each listener's TLS ({@link
 * io.ferry.gateway.security.TlsConfig}), authentication ({@link
 * io.ferry.gateway.security.AuthConfig}), authorization rules ({@link
 * io.ferry.gateway.security.AccessConfig}), per-principal rate limits, CORS and the audit log of
 * refusals; configured under {@code gateway.security} ({@link
 * io.ferry.gateway.security.SecurityConfig}).
 */
package io.ferry.gateway.security;
