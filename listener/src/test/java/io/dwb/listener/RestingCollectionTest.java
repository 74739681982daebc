package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * The idle listener's collection runs with the heap bounds of a listener at rest (10-30 % free), then puts the
 * running bounds back; where the JVM refuses, it still collects. The JVM's rule, Min <= Max after each change, is
 * enforced by the fake as HotSpot enforces it.
 */
class RestingCollectionTest {
    private final FakeVm vm = new FakeVm(40, 70);
    private final List<String> seen = new ArrayList<>();

    @Test
    void theCollectionSeesTheRestingBoundsAndTheRunningOnesComeBackAfterIt() {
        new RestingCollection(vm, () -> seen.add("collect at " + vm.min + "/" + vm.max)).run();

        assertThat(seen).containsExactly("collect at 10/30");
        assertThat(vm.min).isEqualTo(40);
        assertThat(vm.max).isEqualTo(70);
        assertThat(vm.refused).as("every change valid as made").isEmpty();
    }

    @Test
    void boundsTighterThanTheRestingOnesAreLeftAsTheyAre() {
        FakeVm tight = new FakeVm(5, 20);
        new RestingCollection(tight, () -> seen.add("collect at " + tight.min + "/" + tight.max)).run();

        assertThat(seen).containsExactly("collect at 5/20");
        assertThat(tight.min).isEqualTo(5);
        assertThat(tight.max).isEqualTo(20);
    }

    @Test
    void aJvmThatRefusesTheChangeIsStillCollected() {
        vm.refuseAll = true;
        new RestingCollection(vm, () -> seen.add("collect at " + vm.min + "/" + vm.max)).run();

        assertThat(seen).containsExactly("collect at 40/70");
    }

    @Test
    void theRunningBoundsComeBackWhenTheCollectionFails() {
        try {
            new RestingCollection(vm, () -> {
                throw new IllegalStateException("collector failed");
            }).run();
        } catch (IllegalStateException expected) {
            seen.add(expected.getMessage());
        }
        assertThat(seen).containsExactly("collector failed");
        assertThat(vm.min).isEqualTo(40);
        assertThat(vm.max).isEqualTo(70);
    }

    /** The two manageable flags, with HotSpot's check that the minimum never exceeds the maximum. */
    private static final class FakeVm implements HotSpotDiagnosticMXBean {
        int min;
        int max;
        boolean refuseAll;
        final Map<String, String> refused = new LinkedHashMap<>();

        FakeVm(int min, int max) {
            this.min = min;
            this.max = max;
        }

        @Override
        public VMOption getVMOption(String name) {
            int value = switch (name) {
                case "MinHeapFreeRatio" -> min;
                case "MaxHeapFreeRatio" -> max;
                default -> throw new IllegalArgumentException(name);
            };
            return new VMOption(name, String.valueOf(value), true, VMOption.Origin.VM_CREATION);
        }

        @Override
        public void setVMOption(String name, String value) {
            int v = Integer.parseInt(value);
            boolean valid = !refuseAll && (name.equals("MinHeapFreeRatio") ? v <= max : v >= min);
            if (!valid) {
                refused.put(name, value);
                throw new IllegalArgumentException(name + "=" + value + " refused at " + min + "/" + max);
            }
            if (name.equals("MinHeapFreeRatio")) {
                min = v;
            } else {
                max = v;
            }
        }

        @Override
        public void dumpHeap(String outputFile, boolean live) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<VMOption> getDiagnosticOptions() {
            return List.of();
        }

        @Override
        public ObjectName getObjectName() {
            return null;
        }
    }
}
