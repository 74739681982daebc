package io.dwb.listener;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The options of the mount a path is on ({@code noexec}, {@code ro}...), as the kernel lists them in
 * {@code /proc/self/mountinfo}: the mount whose mount point is the longest prefix of the path's real path, the last
 * listed of those (a mount over another hides it).
 */
final class MountOptions {
    static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountOptions() {}

    /** The per-mount options of the mount {@code path} is on; empty when they cannot be read. */
    static Set<String> of(Path mountinfo, Path path) {
        Path real;
        List<String> lines;
        try {
            real = path.toRealPath();
            lines = Files.readAllLines(mountinfo, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
        Path best = null;
        String options = null;
        for (String line : lines) {
            // id parent major:minor root mount-point options [optional fields] - type source super-options
            String[] fields = line.split(" ");
            if (fields.length < 6) {
                continue;
            }
            Path mountPoint = Path.of(unescape(fields[4]));
            if (real.startsWith(mountPoint) && (best == null || mountPoint.getNameCount() >= best.getNameCount())) {
                best = mountPoint;
                options = fields[5];
            }
        }
        return options == null ? Set.of() : Set.copyOf(Arrays.asList(options.split(",")));
    }

    /** The kernel writes a space, tab, newline and backslash of a path as octal escapes ({@code \040}). */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
