package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link ContainerListCap} on answers written as the engine writes them: what it passes is always one JSON array
 * with every container in order, each container cut where it goes beyond the bound (and counted), the others as
 * they were, byte for byte.
 */
class ContainerListCapTest {
    private static final int CAP = 256;

    private static byte[] capped(byte[] answer, int cap, long[] cuts) throws IOException {
        try (ContainerListCap in = new ContainerListCap(new ByteArrayInputStream(answer), cap)) {
            byte[] out = readInSmallPieces(in);
            cuts[0] = in.cuts();
            return out;
        }
    }

    /** Jackson reads in large buffers; small ones cross every boundary the cap keeps state over. */
    private static byte[] readInSmallPieces(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] piece = new byte[7];
        for (int n = in.read(piece, 0, piece.length); n >= 0; n = in.read(piece, 0, piece.length)) {
            out.write(piece, 0, n);
        }
        return out.toByteArray();
    }

    private static ObjectNode container(int i, String label) {
        ObjectNode c = ContractJson.MAPPER.createObjectNode().put("Id", String.format("%064x", i));
        c.putArray("Names").add("/c-" + i);
        c.putObject("Labels").put("note", label);
        c.put("State", "running");
        return c;
    }

    @Test
    void smallContainersPassAsTheyAre() throws IOException {
        ArrayNode answer = ContractJson.MAPPER.createArrayNode();
        for (int i = 0; i < 20; i++) {
            answer.add(container(i, "é \" \\ \u2028 x".repeat(3)));
        }
        byte[] bytes = ContractJson.write(answer);
        long[] cuts = new long[1];
        assertThat(capped(bytes, CAP, cuts)).isEqualTo(bytes);
        assertThat(cuts[0]).isZero();
    }

    @Test
    void aLongStringKeepsItsBeginningAndTheContainersAfterItAreWhole() throws IOException {
        ArrayNode answer = ContractJson.MAPPER.createArrayNode();
        answer.add(container(0, "ab"));
        answer.add(container(1, "é".repeat(10_000))); // two bytes each: a cut must not split one
        answer.add(container(2, "cd"));
        long[] cuts = new long[1];
        JsonNode read = ContractJson.MAPPER.readTree(capped(ContractJson.write(answer), CAP, cuts));
        assertThat(cuts[0]).isPositive();
        assertThat(read).hasSize(3);
        assertThat(read.get(0)).isEqualTo(answer.get(0));
        assertThat(read.get(2)).isEqualTo(answer.get(2));
        String kept = read.get(1).path("Labels").path("note").asText();
        assertThat(kept).isNotEmpty().matches("é+");
        assertThat(kept.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(CAP);
        assertThat(read.get(1).get("Id")).isEqualTo(answer.get(1).get("Id"));
    }

    @Test
    void manySmallLabelsAreCutAndTheFieldsAfterThemKept() throws IOException {
        ArrayNode answer = ContractJson.MAPPER.createArrayNode();
        ObjectNode many = container(0, "x");
        for (int i = 0; i < 10_000; i++) {
            ((ObjectNode) many.get("Labels")).put("k" + i, "v");
        }
        many.put("Status", "Up 2 hours");
        answer.add(many);
        answer.add(container(1, "y"));
        long[] cuts = new long[1];
        byte[] out = capped(ContractJson.write(answer), CAP, cuts);
        JsonNode read = ContractJson.MAPPER.readTree(out);
        assertThat(cuts[0]).isEqualTo(1);
        assertThat(read).hasSize(2);
        assertThat(read.get(0).get("Id")).isEqualTo(many.get("Id"));
        assertThat(read.get(0).get("Names")).isEqualTo(many.get("Names"));
        assertThat(read.get(0).get("Labels").size()).isBetween(1, 10_000 / 2);
        assertThat(read.get(0).get("State")).as("after the labels").isEqualTo(many.get("State"));
        assertThat(read.get(0).get("Status")).as("after the labels").isEqualTo(many.get("Status"));
        assertThat(ContractJson.write(read.get(0)).length).isLessThan(2 * CAP);
        assertThat(read.get(1)).isEqualTo(answer.get(1));
    }

    @Test
    void aContainerPastTwiceTheBoundIsClosedThereAndTheNextIsWhole() throws IOException {
        ArrayNode answer = ContractJson.MAPPER.createArrayNode();
        ObjectNode longFields = ContractJson.MAPPER.createObjectNode().put("Id", String.format("%064x", 0));
        longFields.put("Image", "i".repeat(CAP * 4)).put("Command", "c".repeat(CAP * 4));
        longFields.putObject("Labels").put("note", "n".repeat(CAP * 4));
        longFields.put("State", "running");
        answer.add(longFields);
        answer.add(container(1, "y"));
        long[] cuts = new long[1];
        JsonNode read = ContractJson.MAPPER.readTree(capped(ContractJson.write(answer), CAP, cuts));
        assertThat(read).hasSize(2);
        assertThat(read.get(0).get("Id")).isEqualTo(longFields.get("Id"));
        assertThat(read.get(0).has("Labels")).as("past twice the bound").isFalse();
        assertThat(read.get(0).has("State")).as("past twice the bound").isFalse();
        assertThat(ContractJson.write(read.get(0)).length).isLessThan(3 * CAP);
        assertThat(cuts[0]).isEqualTo(3); // Image, Command, then the container
        assertThat(read.get(1)).isEqualTo(answer.get(1));
    }

    /**
     * Any answer of containers with any strings (escapes, surrogate pairs, characters of 1 to 4 bytes, lengths
     * around the bound): the output is one JSON array of as many containers, in order, each whole when it was under
     * the bound, and no container much longer than the bound.
     */
    @Property
    void theOutputIsAlwaysTheContainersInOrderAndBounded(@ForAll("answers") List<String> labels) throws IOException {
        ArrayNode answer = ContractJson.MAPPER.createArrayNode();
        for (int i = 0; i < labels.size(); i++) {
            answer.add(container(i, labels.get(i)));
        }
        byte[] bytes = ContractJson.write(answer);
        long[] cuts = new long[1];
        JsonNode read = ContractJson.MAPPER.readTree(capped(bytes, CAP, cuts));
        assertThat(read).hasSize(answer.size());
        int cut = 0;
        for (int i = 0; i < answer.size(); i++) {
            JsonNode original = answer.get(i);
            assertThat(read.get(i).get("Id")).isEqualTo(original.get("Id"));
            if (ContractJson.write(original).length < CAP - 16) {
                assertThat(read.get(i)).isEqualTo(original);
            } else if (!read.get(i).equals(original)) {
                cut++;
            }
            assertThat(ContractJson.write(read.get(i)).length).isLessThan(CAP * 3);
        }
        assertThat(cuts[0]).isGreaterThanOrEqualTo(cut);
    }

    @Provide
    Arbitrary<List<String>> answers() {
        Arbitrary<String> text = Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(400),
                Arbitraries.strings().withChars("\"\\é\u2028😀\u0001/").ofMaxLength(400),
                Arbitraries.strings().ascii().ofMinLength(CAP - 80).ofMaxLength(CAP + 80));
        return text.list().ofMaxSize(6);
    }
}
