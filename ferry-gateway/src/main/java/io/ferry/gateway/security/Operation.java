package io.ferry.gateway.security;

import java.util.Locale;

/** What a rule allows on a topic (docs/security.md, "Authorization"). */
public enum Operation {
    /** Write records to the topic. */
    PRODUCE,
    /** Read the topic in a consumer group (the rule also names the groups allowed). */
    CONSUME,
    /** See that the topic exists: its metadata, its groups, its offsets; list calls. */
    DESCRIBE;

    /** Its name in configuration, refusals and metrics: {@code produce}, {@code consume}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
