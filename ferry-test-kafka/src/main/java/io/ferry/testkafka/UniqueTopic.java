package io.ferry.testkafka;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@code String} parameter of a test in a {@link KafkaTest} class: a topic name no other test
 * of the JVM gets ({@link InProcessKafkaExtension#uniqueTopic}); the topic is not created. Read by
 * JUnit on the test thread.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface UniqueTopic {}
