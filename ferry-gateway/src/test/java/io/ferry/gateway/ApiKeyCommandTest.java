package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.gateway.security.ApiKeyFile;
import io.ferry.gateway.security.ApiKeyStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry api-key}: the key it prints is admitted by the line it prints. */
class ApiKeyCommandTest {
    @TempDir Path dir;

    @Test
    void apiKey_printsAKeyAndTheFileLineThatAdmitsIt() throws IOException {
        CliRun run = CliRun.of("api-key", "--principal", "alice", "--group", "billing,ops");
        assertThat(run.code()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("key:  ferry_");
        assertThat(lines.get(1)).matches("line: alice sha256:[0-9a-f]{64} billing,ops");
        String key = lines.get(0).substring("key:  ".length());
        String line = lines.get(1).substring("line: ".length());
        assertThat(line).doesNotContain(key);

        Path f = dir.resolve("keys.txt");
        Files.write(f, List.of(line));
        var v = ApiKeyStore.open(f, 1000, () -> 0L).lookup(key);
        assertThat(v.ok()).isTrue();
        assertThat(v.principal().name()).isEqualTo("alice");
        assertThat(v.principal().groups()).containsExactlyInAnyOrder("billing", "ops");

        assertThat(CliRun.of("api-key", "--principal", "alice").out())
                .doesNotContain(key); // a new key each time
        assertThat(line).isEqualTo(ApiKeyFile.line("alice", key, List.of("billing", "ops")));
    }

    @Test
    void aBadPrincipal_isRefusedSayingWhatIsAccepted() {
        CliRun run = CliRun.of("api-key", "--principal", "alice smith");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("letters, digits");
    }
}
