/** The {@code ferry} command line: {@code ferry serve} and {@code ferry dev}. */
package io.ferry.gateway.cli;
