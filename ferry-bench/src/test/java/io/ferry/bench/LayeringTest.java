package io.ferry.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module layering of {@code docs/architecture.md}, checked on the classes of every module this
 * one depends on, so that a crossing fails the build.
 */
class LayeringTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importFerry() {
        classes =
                new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .withImportOption(location -> !location.contains("/ferry-bench/"))
                        .importPackages("io.ferry");
    }

    @Test
    void theImport_seesEveryModule() {
        // A rule over an import that missed a module would pass without checking anything.
        for (String pkg :
                new String[] {
                    "io.ferry.broker",
                    "io.ferry.broker.memory",
                    "io.ferry.broker.disk",
                    "io.ferry.deadletter",
                    "io.ferry.mapper",
                    "io.ferry.kafka",
                    "io.ferry.kafka.wire",
                    "io.ferry.testkafka",
                    "io.ferry.gateway"
                }) {
            assertThat(classes.stream().anyMatch(c -> c.getPackageName().equals(pkg)))
                    .as("classes of %s imported", pkg)
                    .isTrue();
        }
    }

    @Test
    void brokerApi_usesOnlyTheJdk() {
        noClasses()
                .that()
                .resideInAPackage("io.ferry.broker")
                .should()
                .dependOnClassesThat()
                .resideOutsideOfPackages("io.ferry.broker", "java..")
                .check(classes);
    }

    @Test
    void mapper_usesOnlyTheJdk() {
        noClasses()
                .that()
                .resideInAPackage("io.ferry.mapper..")
                .should()
                .dependOnClassesThat()
                .resideOutsideOfPackages("io.ferry.mapper..", "java..")
                .check(classes);
    }

    @Test
    void brokerImplementations_dependOnlyOnTheApi() {
        noClasses()
                .that()
                .resideInAPackage("io.ferry.broker.memory..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.ferry.broker.disk..", "io.ferry.mapper..", "io.ferry.bench..")
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage("io.ferry.broker.disk..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.ferry.broker.memory..", "io.ferry.mapper..", "io.ferry.bench..")
                .check(classes);
    }

    @Test
    void deadLetter_usesOnlyTheBrokerApiAndTheJdk() {
        noClasses()
                .that()
                .resideInAPackage("io.ferry.deadletter..")
                .should()
                .dependOnClassesThat()
                .resideOutsideOfPackages("io.ferry.deadletter..", "io.ferry.broker", "java..")
                .check(classes);
    }

    @Test
    void testSupport_dependsOnNoFerryModule() {
        // ferry-test-kafka sits below ferry-kafka in the reactor: the engine's tests use it
        noClasses()
                .that()
                .resideInAPackage("io.ferry.testkafka..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.ferry.broker..",
                        "io.ferry.mapper..",
                        "io.ferry.kafka..",
                        "io.ferry.gateway..",
                        "io.ferry.bench..")
                .check(classes);
    }

    @Test
    void nothingButTheBenchmarksDependsOnTheGateway() {
        noClasses()
                .that()
                .resideOutsideOfPackages("io.ferry.gateway..", "io.ferry.bench..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.ferry.gateway..")
                .check(classes);
    }

    @Test
    void theGateway_usesTheBrokerApiNotItsImplementations() {
        noClasses()
                .that()
                .resideInAPackage("io.ferry.gateway..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.ferry.broker.memory..",
                        "io.ferry.broker.disk..",
                        "io.ferry.mapper..",
                        "io.ferry.kafka.wire..")
                .check(classes);
    }

    @Test
    void nothingDependsOnTheBenchmarks() {
        noClasses()
                .that()
                .resideOutsideOfPackage("io.ferry.bench..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.ferry.bench..")
                .check(classes);
    }
}
