/**
 * The {@code ferry} command line: {@code ferry serve}, {@code ferry dev} (its Kafka node, working
 * directory, ports and Kafka's log file) and {@code ferry topics create}.
 */
package io.ferry.gateway.cli;
