package io.ferry.testkafka;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that runs against one {@link InProcessKafka}, started before its first test and
 * closed after its last ({@link InProcessKafkaExtension}); read by JUnit on the test thread.
 *
 * <pre>{@code
 * @KafkaTest(brokers = 3)
 * class FailoverIT {
 *     private static InProcessKafka cluster;
 *
 *     @BeforeAll
 *     static void start(InProcessKafka kafka) { cluster = kafka; }
 *
 *     @Test
 *     void leaderMoves(@UniqueTopic String topic) { cluster.createTopic(topic, 6); ... }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(InProcessKafkaExtension.class)
public @interface KafkaTest {
    /** How many brokers. */
    int brokers() default 1;

    /** Whether broker 0 also runs the controller ({@link InProcessKafkaBuilder#combined}). */
    boolean combined() default false;

    /** Extra node settings, each {@code key=value} ({@link InProcessKafkaBuilder#config}). */
    String[] config() default {};
}
