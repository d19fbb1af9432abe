// Prints the .c files of one native/ folder for binding.gyp (so adding a kernel file needs no gyp edit).
import { readdirSync } from "node:fs";
const dir = process.argv[2];
console.log(readdirSync(dir).filter((f) => f.endsWith(".c")).sort().map((f) => `${dir}/${f}`).join(" "));
