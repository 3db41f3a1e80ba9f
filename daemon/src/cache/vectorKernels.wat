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

  ;; The rows of the $n codes at $codes (16 bytes each) within $bound of the code at $q, and within $half on its
  ;; first half, in row order, into the u32 at $out as (row << 8) | distance, one store per row; returns how
  ;; many. (Rows stay below 2^24: 16 bytes of code per row would fill a 32-bit memory first.) Branch-free (every
  ;; row is written, the next one over it when it is out of reach): in a dense index (similar questions) which
  ;; rows pass is close to a coin toss. What follows reads only the rows within reach: in a dense scope of
  ;; 10,000 templated prompts ~7 % of them. The row counter runs pre-shifted, $k in bytes: two stores per row
  ;; and their index arithmetic took ~1.8 ns per code, this ~1.4 (`node --import tsx bench/scanKernel.ts`).
  (func (export "scan") (param $codes i32) (param $n i32) (param $q i32) (param $bound i32) (param $half i32)
    (param $out i32) (result i32)
    (local $qa i64) (local $qb i64) (local $row i32) (local $end i32) (local $a i32) (local $h i32) (local $k i32)
    (local.set $qa (i64.load (local.get $q)))
    (local.set $qb (i64.load offset=8 (local.get $q)))
    (local.set $end (i32.shl (local.get $n) (i32.const 8)))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $each
        (local.set $a (i32.wrap_i64 (i64.popcnt (i64.xor (i64.load (local.get $codes)) (local.get $qa)))))
        (local.set $h
          (i32.add (local.get $a) (i32.wrap_i64 (i64.popcnt (i64.xor (i64.load offset=8 (local.get $codes)) (local.get $qb))))))
        (i32.store (i32.add (local.get $out) (local.get $k)) (i32.or (local.get $row) (local.get $h)))
        (local.set $k (i32.add (local.get $k)
          (i32.shl (i32.and (i32.le_u (local.get $a) (local.get $half)) (i32.le_u (local.get $h) (local.get $bound))) (i32.const 2))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $row (i32.add (local.get $row) (i32.const 256)))
        (br_if $each (i32.lt_u (local.get $row) (local.get $end)))))
    (i32.shr_u (local.get $k) (i32.const 2)))

  ;; Counts the $n entries of a scan at $found by distance (their low byte), into the 129 u32 at $hist: only
  ;; needed when more rows are within reach than a lookup rescores.
  (func (export "histogram") (param $found i32) (param $n i32) (param $hist i32)
    (local $end i32) (local $slot i32)
    (memory.fill (local.get $hist) (i32.const 0) (i32.const 516))
    (local.set $end (i32.add (local.get $found) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $each
        (local.set $slot (i32.add (local.get $hist) (i32.shl (i32.load8_u (local.get $found)) (i32.const 2))))
        (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
        (local.set $found (i32.add (local.get $found) (i32.const 4)))
        (br_if $each (i32.lt_u (local.get $found) (local.get $end))))))

  ;; Turns the $n entries of a scan at $found into row numbers, in place and in order, keeping those whose
  ;; distance is below $cutoff and of those at $cutoff the first $ties; returns how many. A $cutoff above 128
  ;; keeps them all.
  (func (export "collect") (param $found i32) (param $n i32) (param $cutoff i32) (param $ties i32) (result i32)
    (local $j i32) (local $x i32) (local $h i32) (local $k i32)
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $each
        (local.set $x (i32.load (i32.add (local.get $found) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $h (i32.and (local.get $x) (i32.const 255)))
        (if (i32.or
              (i32.lt_u (local.get $h) (local.get $cutoff))
              (i32.and (i32.eq (local.get $h) (local.get $cutoff)) (i32.gt_s (local.get $ties) (i32.const 0))))
          (then
            (if (i32.eq (local.get $h) (local.get $cutoff)) (then (local.set $ties (i32.sub (local.get $ties) (i32.const 1)))))
            (i32.store (i32.add (local.get $found) (i32.shl (local.get $k) (i32.const 2))) (i32.shr_u (local.get $x) (i32.const 8)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $each (i32.lt_u (local.get $j) (local.get $n)))))
    (local.get $k))

  ;; The dot products of the vector at $v with the vectors of the $n rows at $rows (rows of $stride floats from
  ;; $vectors, zero-padded as $v is), into the f32 at $scores: the exact cosines of the candidates (unit vectors).
  (func (export "rescore") (param $vectors i32) (param $stride i32) (param $rows i32) (param $n i32) (param $v i32)
    (param $scores i32)
    (local $bytes i32) (local $row i32) (local $j i32) (local $acc v128) (local $end i32)
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $each
        (local.set $row (i32.add (local.get $vectors) (i32.mul (i32.load (local.get $rows)) (local.get $bytes))))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $dims
          (local.set $acc
            (f32x4.add (local.get $acc)
              (f32x4.mul (v128.load (i32.add (local.get $row) (local.get $j))) (v128.load (i32.add (local.get $v) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $dims (i32.lt_u (local.get $j) (local.get $bytes))))
        (f32.store (local.get $scores)
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (local.set $scores (i32.add (local.get $scores) (i32.const 4)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (br_if $each (i32.lt_u (local.get $rows) (local.get $end))))))
)
