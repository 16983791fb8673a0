/**
 * The broker API: an in-process event buffer between producers and consumers, and the registry of
 * its implementations. The rules every implementation keeps are numbered in {@code
 * docs/broker-spec.md}.
 */
package io.ferry.broker;
