package io.dwb.standalone;

import io.dwb.runtime.Launcher;

/** Entry point of the standalone process ({@code bin/run}, {@code standalone.jar}, the wodle launcher). */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        Launcher.run("standalone", new StandaloneCommand(), args);
    }
}
