using Tokenlay.Emulator.Hosting;

// The tool is the library's command, so the package and the tool cannot drift apart.
return await TokenlayEmulatorCommandLine.RunAsync(args);
