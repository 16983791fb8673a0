/**
 * The broker conformance suite: abstract JUnit 5 tests, named after the numbered rules of {@code
 * docs/broker-spec.md}, that every broker implementation subclasses.
 */
package io.ferry.brokertest;
