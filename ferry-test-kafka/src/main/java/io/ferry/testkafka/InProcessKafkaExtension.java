package io.ferry.testkafka;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link KafkaTest}: one {@link InProcessKafka} per test class,
 * started in {@code beforeAll}, closed in {@code afterAll}, handed to any parameter of type {@link
 * InProcessKafka} (of {@code @BeforeAll}, {@code @Test}, constructors ...), and a fresh name for a
 * {@link UniqueTopic} parameter; JUnit calls it on the test thread.
 *
 * <p>Kept apart from {@link InProcessKafka} so that the builder has no JUnit import (the product's
 * {@code ferry dev} uses this module without JUnit on its classpath).
 */
public final class InProcessKafkaExtension
        implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(InProcessKafkaExtension.class);
    private static final String KEY = "cluster";
    private static final AtomicLong TOPICS = new AtomicLong();

    /** Created by JUnit. */
    public InProcessKafkaExtension() {}

    /**
     * A topic name unique in this JVM: {@code prefix} (lower-cased, characters Kafka refuses
     * replaced by '-'), a counter and a few random hex digits (a topic of an earlier run on the
     * same cluster never collides).
     */
    public static String uniqueTopic(String prefix) {
        String base = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
        if (base.length() > 100) {
            base = base.substring(0, 100);
        }
        return base
                + "-"
                + TOPICS.incrementAndGet()
                + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        KafkaTest spec =
                AnnotationSupport.findAnnotation(testClass, KafkaTest.class)
                        .orElseThrow(
                                () ->
                                        new IllegalStateException(
                                                testClass.getName()
                                                        + " uses InProcessKafkaExtension without"
                                                        + " @KafkaTest"));
        InProcessKafkaBuilder b =
                InProcessKafka.builder().brokers(spec.brokers()).combined(spec.combined());
        for (String kv : spec.config()) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(
                        "@KafkaTest config entry '" + kv + "'; expected key=value");
            }
            b.config(kv.substring(0, eq), kv.substring(eq + 1));
        }
        context.getStore(NAMESPACE).put(KEY, b.start());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        InProcessKafka kafka = context.getStore(NAMESPACE).remove(KEY, InProcessKafka.class);
        if (kafka != null) {
            kafka.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == InProcessKafka.class
                || (type == String.class && parameter.isAnnotated(UniqueTopic.class));
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (parameter.getParameter().getType() == String.class) {
            return uniqueTopic(context.getTestMethod().map(m -> m.getName()).orElse("topic"));
        }
        InProcessKafka kafka = context.getStore(NAMESPACE).get(KEY, InProcessKafka.class);
        if (kafka == null) {
            throw new ParameterResolutionException(
                    "no in-process Kafka: it is started for the class (@KafkaTest), so a"
                            + " parameter of a static @BeforeAll or later gets it");
        }
        return kafka;
    }
}
