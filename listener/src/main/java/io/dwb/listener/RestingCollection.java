package io.dwb.listener;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idle listener's full collection ({@link IdleCollection}), made with the heap bounds of a listener at rest. The
 * listener runs with roomy bounds on the heap's free share (jvm.options: {@code MinHeapFreeRatio=40},
 * {@code MaxHeapFreeRatio=70}) so that a flood grows the heap instead of collecting all of a tight one twice a second
 * (a quarter of the flood's CPU went to those collections: docs/benchmarks.md, footprint). This collection tightens
 * them to {@value #REST_MIN_FREE_PERCENT}/{@value #REST_MAX_FREE_PERCENT} %, so the collector shrinks the heap to
 * what is live plus at most 30 % and gives the rest back to the system, then restores the running bounds for the
 * next burst. Both flags are manageable in HotSpot; where they cannot be set, it is a plain {@code System.gc()}.
 */
final class RestingCollection implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(RestingCollection.class);
    static final int REST_MIN_FREE_PERCENT = 10;
    static final int REST_MAX_FREE_PERCENT = 30;
    private static final String MIN = "MinHeapFreeRatio";
    private static final String MAX = "MaxHeapFreeRatio";

    private final HotSpotDiagnosticMXBean vm;
    private final Runnable collect;

    /** With the running JVM's flags and {@code System.gc()}; a plain {@code System.gc()} on a JVM without them. */
    static Runnable forThisJvm() {
        try {
            return new RestingCollection(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class),
                    System::gc);
        } catch (RuntimeException | LinkageError e) { // not HotSpot: no such bean, or not even its interface
            log.debug("no HotSpot diagnostic bean ({}): the idle collection leaves the heap's bounds as they are",
                    e.toString());
            return System::gc;
        }
    }

    RestingCollection(HotSpotDiagnosticMXBean vm, Runnable collect) {
        this.vm = vm;
        this.collect = collect;
    }

    @Override
    public void run() {
        String min;
        String max;
        try {
            min = vm.getVMOption(MIN).getValue();
            max = vm.getVMOption(MAX).getValue();
        } catch (RuntimeException e) {
            log.debug("cannot read the heap's free ratios ({}): a plain collection", e.toString());
            collect.run();
            return;
        }
        try {
            // Min <= Max at every step, or the JVM refuses the change: the lower bound goes down first.
            vm.setVMOption(MIN, String.valueOf(Math.min(Integer.parseInt(min), REST_MIN_FREE_PERCENT)));
            vm.setVMOption(MAX, String.valueOf(Math.min(Integer.parseInt(max), REST_MAX_FREE_PERCENT)));
        } catch (RuntimeException e) {
            log.debug("cannot tighten the heap's free ratios ({}): a collection with them as they are", e.toString());
        }
        try {
            collect.run();
        } finally {
            try {
                vm.setVMOption(MAX, max); // the upper bound goes up first
                vm.setVMOption(MIN, min);
            } catch (RuntimeException e) {
                log.warn("cannot restore the heap's free ratios to {}/{} % ({}): the heap stays tight, and a burst "
                        + "costs more collections", min, max, e.toString());
            }
        }
    }
}
