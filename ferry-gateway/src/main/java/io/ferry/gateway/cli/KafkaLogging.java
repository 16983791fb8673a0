package io.ferry.gateway.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Where Kafka's own log lines go in the command line's modes: into a file for {@code ferry dev},
 * nowhere for {@code ferry topics}; called from the main thread before Kafka code runs.
 *
 * <p>Only when Logback is the SLF4J provider (the gateway's jar); otherwise the calls do nothing.
 */
final class KafkaLogging {
    /** Kafka's node (Scala {@code kafka.*}, {@code org.apache.kafka.*}) and client loggers. */
    private static final List<String> KAFKA_LOGGERS =
            List.of("kafka", "org.apache.kafka", "state.change.logger");

    private KafkaLogging() {}

    private static boolean logback() {
        // by name: an application embedding this class may log through another SLF4J provider
        return LoggerFactory.getILoggerFactory()
                .getClass()
                .getName()
                .equals("ch.qos.logback.classic.LoggerContext");
    }

    /**
     * Sends Kafka's WARN and ERROR lines (with their stack traces) to {@code file} (appended)
     * instead of the console, where the gateway's own lines stay.
     */
    static void toFile(Path file) {
        if (!logback()) {
            return;
        }
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger - %msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(ctx);
        appender.setName("ferry-dev-kafka-file");
        appender.setFile(file.toString());
        appender.setAppend(true);
        appender.setEncoder(encoder);
        appender.start();
        for (String name : KAFKA_LOGGERS) {
            Logger l = ctx.getLogger(name);
            l.setAdditive(false);
            l.addAppender(appender);
            if (l.getLevel() == null) {
                l.setLevel(Level.WARN);
            }
        }
    }

    /** Turns Kafka's client loggers off: the command says itself what went wrong. */
    static void off() {
        if (!logback()) {
            return;
        }
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        for (String name : KAFKA_LOGGERS) {
            ctx.getLogger(name).setLevel(Level.OFF);
        }
    }
}
