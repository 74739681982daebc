package io.dwb.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The event id is the contract's hash, the same from every thread (the listener's reading thread, the forwarder's
 * consumers, replays): values checked against coreutils' {@code sha256sum} of the same material.
 */
class EventIdTest {

    @Test
    void theIdIsTheFirst16BytesOfTheMaterialsSha256InHex() {
        // printf '%s' 'host-1|1796124364274191856|container|start|abc' | sha256sum | cut -c1-32
        assertThat(EventId.of("host-1", "1796124364274191856", "container", "start", "abc"))
                .isEqualTo("70ea25a260ee31e68bd8ab824bb666df");
        // printf '%s' '||||' | sha256sum | cut -c1-32: missing fields count as empty
        assertThat(EventId.of(null, null, null, null, null)).isEqualTo("45ca31c3315a5978f40438aab46040d7");
    }

    @Test
    void threadsComputingIdsAtOnceGetWhatOneThreadGets() throws Exception {
        List<String> alone = IntStream.range(0, 2_000).mapToObj(EventIdTest::id).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<List<String>>> tasks = IntStream.range(0, 4).<Callable<List<String>>>mapToObj(t -> () ->
                    IntStream.range(0, 2_000).mapToObj(EventIdTest::id).toList()).toList();
            for (Future<List<String>> result : pool.invokeAll(tasks)) {
                assertThat(result.get()).isEqualTo(alone);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void oneThreadsEventIdsAreTheContractsOneAfterTheOther() throws NoSuchAlgorithmException {
        EventIds ids = new EventIds();
        assertThat(ids.of("host-1", "1796124364274191856", "container", "start", "abc"))
                .isEqualTo("70ea25a260ee31e68bd8ab824bb666df");
        assertThat(ids.of(null, null, null, null, null)).as("reset after the one before")
                .isEqualTo("45ca31c3315a5978f40438aab46040d7");
        List<String> odd = List.of("", "é", "名前", "emoji \uD83D\uDE00 end", "lone \uD800 surrogate", "x".repeat(255),
                "y".repeat(256), "z".repeat(257) + "é", "a|b", "\u007F\u0080");
        for (String a : odd) {
            for (String b : odd) {
                assertThat(ids.of(a, "17", b, a, b)).as("%s / %s", a, b).isEqualTo(joined(a, "17", b, a, b));
            }
        }
        EventIdentity identity = new EventIdentity("1796124364274191856", 1796124364274191856L, "container",
                "start", "abc");
        assertThat(ids.of("host-1", identity)).isEqualTo(identity.id("host-1"));
    }

    /** The contract's definition spelled out: the fields joined by '|', UTF-8, SHA-256, 16 bytes in hex. */
    private static String joined(String... fields) throws NoSuchAlgorithmException {
        String material = String.join("|", fields);
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(material.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(hash, 0, 16);
    }

    private static String id(int i) {
        return EventId.of("host-" + (i % 7), String.valueOf(1_796_124_364_274_191_856L + i), "container", "start",
                "c" + i);
    }
}
