/**
 * A tiny ONNX model built in memory for the loader tests (no Python, no binary fixture):
 * one Identity node from input `inName` [batch, width] float32 to output `outName`. The
 * protobuf is written by hand with the onnx.proto field numbers (ModelProto.ir_version = 1,
 * graph = 7, opset_import = 8; GraphProto.node = 1, name = 2, input = 11, output = 12; ...).
 */

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function key(field: number, wire: number): number[] {
  return varint((field << 3) | wire);
}

function bytesField(field: number, payload: number[]): number[] {
  return [...key(field, 2), ...varint(payload.length), ...payload];
}

function strField(field: number, s: string): number[] {
  return bytesField(field, [...Buffer.from(s, 'utf8')]);
}

function intField(field: number, n: number): number[] {
  return [...key(field, 0), ...varint(n)];
}

/** ValueInfoProto: name, TypeProto{tensor_type{elem_type=FLOAT(1), shape{dim...}}}. */
function valueInfo(name: string, dims: ReadonlyArray<number | string>): number[] {
  const shape = dims.flatMap((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : strField(2, d)));
  const tensor = [...intField(1, 1), ...bytesField(2, shape)];
  return [...strField(1, name), ...bytesField(2, bytesField(1, tensor))];
}

export function identityModel(inName: string, outName: string, width: number): Uint8Array {
  const node = [...strField(1, inName), ...strField(2, outName), ...strField(3, 'id'), ...strField(4, 'Identity')];
  const graph = [
    ...bytesField(1, node),
    ...strField(2, 'fixture'),
    ...bytesField(11, valueInfo(inName, ['batch', width])),
    ...bytesField(12, valueInfo(outName, ['batch', width])),
  ];
  const opset = [...strField(1, ''), ...intField(2, 13)];
  return Uint8Array.from([...intField(1, 7), ...bytesField(7, graph), ...bytesField(8, opset)]);
}
