// Writes a gzip copy beside each compressible file of the build (dist/**/*.{js,css,html,svg,json}),
// for `linli serve` to send to browsers that accept gzip. Level 9: done once per build.
import { readdirSync, readFileSync, statSync, writeFileSync, unlinkSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync, constants } from 'node:zlib'

const root = process.argv[2] || 'dist'
const compressible = /\.(js|mjs|css|html|svg|json|txt|webmanifest)$/
let files = 0
let before = 0
let after = 0
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      walk(path)
    } else if (compressible.test(name)) {
      const raw = readFileSync(path)
      const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION })
      if (gz.length < raw.length) {
        writeFileSync(path + '.gz', gz)
        files += 1
        before += raw.length
        after += gz.length
      } else if (existsSync(path + '.gz')) {
        unlinkSync(path + '.gz')
      }
    }
  }
}
walk(root)
console.log(`compress: ${files} files, ${(before / 1024).toFixed(0)} KiB -> ${(after / 1024).toFixed(0)} KiB gzip`)
