package io.dwb.listener;

import io.dwb.schemas.runtime.Launcher;

/** Entry point of the listener process ({@code bin/listener}, {@code listener.jar}). */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        Launcher.run("listener", new ListenerCommand(), args);
    }
}
