import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away copy of src/content; `edit` rewrites one file of it. */
export function copyContent() {
	const root = mkdtempSync(join(tmpdir(), 'trustroom-content-'));
	const dir = join(root, 'src/content');
	cpSync('src/content', dir, { recursive: true });
	return {
		root,
		dir,
		edit(file: string, change: (text: string) => string) {
			const path = join(dir, file);
			const before = readFileSync(path, 'utf8');
			const after = change(before);
			if (after === before) throw new Error(`The edit to ${file} changed nothing`);
			writeFileSync(path, after);
		},
		remove: () => rmSync(root, { recursive: true, force: true }),
	};
}
