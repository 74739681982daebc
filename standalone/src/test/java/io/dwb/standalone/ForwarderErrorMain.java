package io.dwb.standalone;

import io.dwb.runtime.Launcher;

/**
 * The real standalone (broker, listener, forwarder wiring) whose forwarder thread ends on an {@link Error} as soon
 * as it starts, as a missing class in a replaced jar would: what an operator sees then.
 */
final class ForwarderErrorMain {
    private ForwarderErrorMain() {}

    public static void main(String[] args) {
        Launcher.run("standalone", new StandaloneCommand(stage -> !stage.name().equals("forwarder") ? stage
                : new Stage(stage.name(), () -> {
                    throw new NoClassDefFoundError("io/dwb/forwarder/AlertFormatter");
                }, stage.stop())), args);
    }
}
