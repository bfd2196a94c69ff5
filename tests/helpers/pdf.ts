/**
 * PDF checks with the real tools (poppler's pdftotext, qpdf). On a developer machine without them
 * the checks are skipped with a note; in CI (CI=true) a missing tool fails the run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function hasTool(name: string): boolean {
	const found = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
	if (!found && process.env.CI)
		throw new Error(`${name} is required in CI (apt-get install -y qpdf poppler-utils)`);
	return found;
}

function withFile<T>(bytes: Uint8Array, work: (path: string) => T): T {
	const dir = mkdtempSync(join(tmpdir(), 'trustroom-pdf-'));
	const path = join(dir, 'file.pdf');
	writeFileSync(path, bytes);
	try {
		return work(path);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** The text of each page, as pdftotext extracts it. */
export function pdfPagesText(bytes: Uint8Array): string[] {
	return withFile(bytes, (path) => {
		const result = spawnSync('pdftotext', ['-layout', path, '-'], {
			encoding: 'utf8',
			maxBuffer: 64 * 1024 * 1024,
		});
		if (result.status !== 0) throw new Error(`pdftotext failed: ${result.stderr}`);
		return result.stdout.split('\f').slice(0, -1);
	});
}

/** qpdf --check: exit 0 (clean) or 3 (warnings) with its output. */
export function qpdfCheck(bytes: Uint8Array): { status: number | null; output: string } {
	return withFile(bytes, (path) => {
		const result = spawnSync('qpdf', ['--check', path], { encoding: 'utf8' });
		return { status: result.status, output: result.stdout + result.stderr };
	});
}
