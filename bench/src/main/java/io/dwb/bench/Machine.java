package io.dwb.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the numbers were measured on: CPU model, cores, memory and the load average before the run. */
public record Machine(String cpuModel, int cores, long memoryMb, String loadAverage) {
    public static Machine now() {
        String model = "unknown";
        long memKb = 0;
        String load = "unknown";
        try {
            model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(model);
            memKb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0L);
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            load = parts[0] + ", " + parts[1] + ", " + parts[2];
        } catch (IOException | RuntimeException e) {
            // not Linux: leave what is unknown as unknown
        }
        return new Machine(model, Runtime.getRuntime().availableProcessors(), memKb / 1024, load);
    }
}
