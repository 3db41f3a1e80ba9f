;; The vector index's inner loops (vectorIndex.ts), in WebAssembly: JavaScript has no popcount and no SIMD, and
;; these loops run over every entry of a scope on every lookup. Compiled by scripts/buildWasm.mjs into
;; vectorKernels.wasm.ts (the bytes, checked against this file by test/cache/vectorKernels.test.ts).
;; All pointers are byte offsets into the exported memory; vectorKernels.ts lays it out.
(module
  (memory (export "memory") 1)

  ;; The 128-bit SimHash of the vector at $v: bit b is set when the dot product of plane b and the vector is
  ;; positive. Planes are rows of $stride floats (the dimensions rounded up to 4, zero-padded, as is $v).
  (func (export "project") (param $planes i32) (param $stride i32) (param $v i32) (param $out i32)
    (local $b i32) (local $j i32) (local $row i32) (local $bytes i32) (local $acc v128) (local $word i32)
    (v128.store (local.get $out) (v128.const i32x4 0 0 0 0))
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $row (local.get $planes))
    (loop $bits
      (local.set $acc (v128.const f32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (loop $dims
        (local.set $acc
          (f32x4.add (local.get $acc)
            (f32x4.mul (v128.load (i32.add (local.get $row) (local.get $j))) (v128.load (i32.add (local.get $v) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $dims (i32.lt_u (local.get $j) (local.get $bytes))))
      (if (f32.gt
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
              (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc))))
            (f32.const 0))
        (then
          (local.set $word (i32.add (local.get $out) (i32.shl (i32.shr_u (local.get $b) (i32.const 5)) (i32.const 2))))
          (i32.store (local.get $word) (i32.or (i32.load (local.get $word)) (i32.shl (i32.const 1) (local.get $b))))))
      (local.set $row (i32.add (local.get $row) (local.get $bytes)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br_if $bits (i32.lt_u (local.get $b) (i32.const 128)))))

  ;; Hamming distances of the $n codes at $codes (16 bytes each) to the code at $q, into the bytes at $dist:
  ;; rows whose first half is farther than $half, or whole code farther than $bound, get 255. Returns how many
  ;; are within. Branch-free: in a dense index (similar questions) which rows pass is close to a coin toss; and
  ;; no histogram here: its read-modify-write of a counter per row tripled the time per row (`histogram`).
  (func (export "scan") (param $codes i32) (param $n i32) (param $q i32) (param $bound i32) (param $half i32)
    (param $dist i32) (result i32)
    (local $qa i64) (local $qb i64) (local $end i32) (local $a i32) (local $h i32) (local $out i32) (local $within i32)
    (local.set $qa (i64.load (local.get $q)))
    (local.set $qb (i64.load offset=8 (local.get $q)))
    (local.set $end (i32.add (local.get $dist) (local.get $n)))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $rows
        (local.set $a (i32.wrap_i64 (i64.popcnt (i64.xor (i64.load (local.get $codes)) (local.get $qa)))))
        (local.set $h
          (i32.add (local.get $a) (i32.wrap_i64 (i64.popcnt (i64.xor (i64.load offset=8 (local.get $codes)) (local.get $qb))))))
        (local.set $out (i32.or (i32.gt_u (local.get $a) (local.get $half)) (i32.gt_u (local.get $h) (local.get $bound))))
        (i32.store8 (local.get $dist) (select (i32.const 255) (local.get $h) (local.get $out)))
        (local.set $within (i32.add (local.get $within) (i32.xor (local.get $out) (i32.const 1))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $dist (i32.add (local.get $dist) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $dist) (local.get $end)))))
    (local.get $within))

  ;; Counts the rows within reach (distance below 255) of the $n distances at $dist by distance, into the 129
  ;; u32 at $hist; sixteen rows at a time are skipped when all are out of reach. Only needed when more rows
  ;; are within reach than a lookup rescores. $dist must be readable up to a multiple of 16 past $n.
  (func (export "histogram") (param $dist i32) (param $n i32) (param $hist i32)
    (local $i i32) (local $j i32) (local $h i32) (local $slot i32) (local $far v128)
    (memory.fill (local.get $hist) (i32.const 0) (i32.const 516))
    (local.set $far (i8x16.splat (i32.const 255)))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (v128.any_true (i8x16.ne (v128.load (i32.add (local.get $dist) (local.get $i))) (local.get $far)))
          (then
            (local.set $j (local.get $i))
            (loop $rows
              (if (i32.lt_u (local.get $j) (local.get $n))
                (then
                  (local.set $h (i32.load8_u (i32.add (local.get $dist) (local.get $j))))
                  (if (i32.lt_u (local.get $h) (i32.const 255))
                    (then
                      (local.set $slot (i32.add (local.get $hist) (i32.shl (local.get $h) (i32.const 2))))
                      (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $rows (i32.lt_u (local.get $j) (i32.add (local.get $i) (i32.const 16)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $blocks))))

  ;; The row numbers of the $n distances at $dist that are below $cutoff, and of those at $cutoff the first
  ;; $ties, into the u32 at $out; returns how many. Sixteen rows at a time are skipped when none is wanted
  ;; (most rows of a large index are out of reach); $dist must be readable up to a multiple of 16 past $n.
  (func (export "collect") (param $dist i32) (param $n i32) (param $cutoff i32) (param $ties i32) (param $out i32)
    (result i32)
    (local $i i32) (local $j i32) (local $h i32) (local $k i32) (local $limit v128)
    (local.set $limit (i8x16.splat (local.get $cutoff)))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (v128.any_true (i8x16.le_u (v128.load (i32.add (local.get $dist) (local.get $i))) (local.get $limit)))
          (then
            (local.set $j (local.get $i))
            (loop $rows
              (if (i32.lt_u (local.get $j) (local.get $n))
                (then
                  (local.set $h (i32.load8_u (i32.add (local.get $dist) (local.get $j))))
                  (if (i32.or
                        (i32.lt_u (local.get $h) (local.get $cutoff))
                        (i32.and (i32.eq (local.get $h) (local.get $cutoff)) (i32.gt_s (local.get $ties) (i32.const 0))))
                    (then
                      (if (i32.eq (local.get $h) (local.get $cutoff)) (then (local.set $ties (i32.sub (local.get $ties) (i32.const 1)))))
                      (i32.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2))) (local.get $j))
                      (local.set $k (i32.add (local.get $k) (i32.const 1)))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $rows (i32.lt_u (local.get $j) (i32.add (local.get $i) (i32.const 16)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $blocks)))
    (local.get $k))
)
