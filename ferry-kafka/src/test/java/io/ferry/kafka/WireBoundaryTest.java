package io.ferry.kafka;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * kafka-clients' internal protocol classes change between releases (KAFKA-NOTES.md): only the
 * {@code wire} package, which has contract tests, may touch them. The engine uses the stable public
 * types (Node, TopicPartition, Uuid) and the default partitioner's hash.
 */
class WireBoundaryTest {
    private static final JavaClasses ENGINE =
            new ClassFileImporter()
                    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .importPackages("io.ferry.kafka");

    @Test
    void theWirePackage_isWhereTheInternalsAre() {
        // The rule below is not vacuous: the wire package does use them, and the engine was
        // imported.
        assertThat(ENGINE.stream().anyMatch(c -> c.getSimpleName().equals("ProduceEngine")))
                .isTrue();
        assertThat(
                        ENGINE.stream()
                                .filter(c -> c.getPackageName().equals("io.ferry.kafka.wire"))
                                .anyMatch(
                                        c ->
                                                c.getDirectDependenciesFromSelf().stream()
                                                        .anyMatch(
                                                                d ->
                                                                        d.getTargetClass()
                                                                                .getPackageName()
                                                                                .startsWith(
                                                                                        "org.apache.kafka.common.requests"))))
                .isTrue();
    }

    @Test
    void onlyTheWirePackage_touchesKafkaClientInternals() {
        noClasses()
                .that()
                .resideInAPackage("io.ferry.kafka")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.apache.kafka.clients..",
                        "org.apache.kafka.common.requests..",
                        "org.apache.kafka.common.message..",
                        "org.apache.kafka.common.record..",
                        "org.apache.kafka.common.network..",
                        "org.apache.kafka.common.protocol..")
                .check(ENGINE);
    }
}
