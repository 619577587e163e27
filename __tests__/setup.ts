import { Testing } from "cdktf";

// Registers cdktf's matchers (toHaveResourceWithProperties, …) for every test file.
Testing.setupJest();
