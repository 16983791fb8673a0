package io.ferry.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyStoreTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir Path dir;
    private final AtomicLong clock = new AtomicLong(1_000_000);

    private Path write(String name, String... lines) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, List.of(lines));
        return f;
    }

    @Test
    void lookup_ofAListedKey_namesItsPrincipalAndGroups_andAnUnknownOneIsRefused()
            throws IOException {
        String alice = ApiKeyFile.newKey(RANDOM);
        String bob = ApiKeyFile.newKey(RANDOM);
        Path f =
                write(
                        "keys.txt",
                        "# owners of the keys",
                        "",
                        ApiKeyFile.line("alice", alice, List.of("billing", "ops")) + "  # Alice",
                        "   " + ApiKeyFile.line("bob", bob, List.of()));
        ApiKeyStore s = ApiKeyStore.open(f, 10_000, clock::get);
        assertThat(s.size()).isEqualTo(2);

        Verdict a = s.lookup(alice);
        assertThat(a.ok()).isTrue();
        assertThat(a.principal().name()).isEqualTo("alice");
        assertThat(a.principal().groups()).containsExactlyInAnyOrder("billing", "ops");
        assertThat(a.principal().method()).isEqualTo("api-key");
        assertThat(s.lookup(alice)).isSameAs(a); // made once per key: nothing per request
        assertThat(s.lookup(bob).principal().name()).isEqualTo("bob");

        Verdict unknown = s.lookup(alice + "x");
        assertThat(unknown.ok()).isFalse();
        assertThat(unknown.failure()).isEqualTo(AuthFailure.UNKNOWN_API_KEY);
        assertThat(unknown.invalidToken()).isTrue();
        assertThat(unknown.message()).doesNotContain(alice);
    }

    @Test
    void theHashIsCaseInsensitiveHex_andTheKeyItselfIsNeverAcceptedAsAHash() throws IOException {
        String key = ApiKeyFile.newKey(RANDOM);
        String line = ApiKeyFile.line("carol", key, List.of());
        int colon = line.indexOf(':') + 1;
        String upper =
                line.substring(0, colon) + line.substring(colon).toUpperCase(java.util.Locale.ROOT);
        Path f = write("upper.txt", upper);
        assertThat(ApiKeyStore.open(f, 1000, clock::get).lookup(key).ok()).isTrue();

        Path plain = write("plain.txt", "carol " + key);
        assertThatThrownBy(() -> ApiKeyStore.open(plain, 1000, clock::get))
                .isInstanceOf(ApiKeyFile.BadLine.class)
                .hasMessageStartingWith(plain + ":1: ")
                .hasMessageContaining("sha256:")
                .hasMessageNotContaining(key);
    }

    @Test
    void aBadLine_atStart_failsNamingFileAndLine() throws IOException {
        String ok = ApiKeyFile.line("alice", ApiKeyFile.newKey(RANDOM), List.of());
        Path f = write("bad.txt", "# comment", ok, "bob sha256:abcd");
        assertThatThrownBy(() -> ApiKeyStore.open(f, 1000, clock::get))
                .isInstanceOf(ApiKeyFile.BadLine.class)
                .hasMessageStartingWith(f + ":3: ");
        Path groups = write("groups.txt", ok + " a,,b");
        assertThatThrownBy(() -> ApiKeyStore.open(groups, 1000, clock::get))
                .hasMessageStartingWith(groups + ":1: ")
                .hasMessageContaining("groups");
        Path fields = write("fields.txt", ok + " ops extra");
        assertThatThrownBy(() -> ApiKeyStore.open(fields, 1000, clock::get))
                .hasMessageContaining("found 4 fields");
        Path twice = write("twice.txt", ok, ok.replace("alice", "alias"));
        assertThatThrownBy(() -> ApiKeyStore.open(twice, 1000, clock::get))
                .hasMessageStartingWith(twice + ":2: ")
                .hasMessageContaining("twice");
    }

    @Test
    void aRemovedKey_stopsWorkingAtTheFirstCheckAfterTheInterval_whileTheOthersKeepWorking()
            throws IOException {
        String alice = ApiKeyFile.newKey(RANDOM);
        String bob = ApiKeyFile.newKey(RANDOM);
        String aliceLine = ApiKeyFile.line("alice", alice, List.of());
        String bobLine = ApiKeyFile.line("bob", bob, List.of());
        Path f = write("keys.txt", aliceLine, bobLine);
        ApiKeyStore s = ApiKeyStore.open(f, 5_000, clock::get);
        assertThat(s.lookup(alice).ok()).isTrue();

        Files.write(f, List.of(bobLine)); // alice's key revoked
        clock.addAndGet(4_999);
        assertThat(s.poll()).isFalse(); // not yet time to check
        assertThat(s.lookup(alice).ok()).isTrue();

        clock.addAndGet(1);
        assertThat(s.poll()).isTrue();
        assertThat(s.lookup(alice).failure()).isEqualTo(AuthFailure.UNKNOWN_API_KEY);
        assertThat(s.lookup(bob).ok()).isTrue();

        clock.addAndGet(5_000);
        assertThat(s.poll()).isFalse(); // unchanged: not parsed again
    }

    @Test
    void aChangeOfTheSameSizeWithinOneSecond_isSeen_forTheContentIsCompared() throws IOException {
        String k1 = ApiKeyFile.newKey(RANDOM);
        String k2 = ApiKeyFile.newKey(RANDOM);
        Path f = write("keys.txt", ApiKeyFile.line("alice", k1, List.of()));
        java.nio.file.attribute.FileTime mtime = Files.getLastModifiedTime(f);
        ApiKeyStore s = ApiKeyStore.open(f, 100, clock::get);
        Files.write(f, List.of(ApiKeyFile.line("alice", k2, List.of())));
        Files.setLastModifiedTime(f, mtime);
        assertThat(s.reload()).isTrue();
        assertThat(s.lookup(k1).ok()).isFalse();
        assertThat(s.lookup(k2).ok()).isTrue();
    }

    @Test
    void aBadFileAtReload_keepsThePreviousKeys_andAFixedOneIsTakenLater() throws IOException {
        String alice = ApiKeyFile.newKey(RANDOM);
        String bob = ApiKeyFile.newKey(RANDOM);
        Path f = write("keys.txt", ApiKeyFile.line("alice", alice, List.of()));
        ApiKeyStore s = ApiKeyStore.open(f, 100, clock::get);

        Files.write(f, List.of(ApiKeyFile.line("bob", bob, List.of()), "oops"));
        assertThat(s.reload()).isFalse();
        assertThat(s.lookup(alice).ok()).isTrue();
        assertThat(s.lookup(bob).ok()).isFalse();

        Files.delete(f);
        assertThat(s.reload()).isFalse(); // unreadable: the keys in force stay
        assertThat(s.lookup(alice).ok()).isTrue();

        Files.write(f, List.of(ApiKeyFile.line("bob", bob, List.of())));
        assertThat(s.reload()).isTrue();
        assertThat(s.lookup(alice).ok()).isFalse();
        assertThat(s.lookup(bob).ok()).isTrue();
    }

    @Test
    void newKeys_areRandomAndUrlSafe_withoutDots() {
        String a = ApiKeyFile.newKey(RANDOM);
        String b = ApiKeyFile.newKey(RANDOM);
        assertThat(a)
                .isNotEqualTo(b)
                .startsWith("ferry_")
                .hasSize(6 + 43)
                .matches("[A-Za-z0-9_-]+");
    }
}
