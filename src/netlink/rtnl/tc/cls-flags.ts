// TCA_CLS_FLAGS_* (pkt_cls.h), which u32, matchall and flower share: what the
// options ask (skip_hw, skip_sw) and what the kernel reports (in_hw, not_in_hw).
import { ValidationError } from '../../core/errors.js';
import { Type } from '../../core/schema.js';

const TCA_CLS_FLAGS_SKIP_HW = 1 << 0;
const TCA_CLS_FLAGS_SKIP_SW = 1 << 1;
const TCA_CLS_FLAGS_IN_HW = 1 << 2;
const TCA_CLS_FLAGS_NOT_IN_HW = 1 << 3;

/** The flags' fields of a classifier's options schema. */
export const ClsFlagsFields = {
  skip_hw: Type.Optional(Type.Boolean()),
  skip_sw: Type.Optional(Type.Boolean()),
};

/** The flags as a classifier's decoded options carry them. */
export interface ClsFlagsInfo {
  skip_hw?: boolean;
  skip_sw?: boolean;
  in_hw?: boolean;
  not_in_hw?: boolean;
}

/** The flags word of the options (`path` names them in errors): skip_hw and skip_sw exclude each other. */
export function clsFlags(o: { skip_hw?: boolean; skip_sw?: boolean }, path: string): number {
  if (o.skip_hw && o.skip_sw) throw new ValidationError('skip_hw and skip_sw exclude each other', `${path}.skip_sw`);
  return (o.skip_hw ? TCA_CLS_FLAGS_SKIP_HW : 0) | (o.skip_sw ? TCA_CLS_FLAGS_SKIP_SW : 0);
}

/** Sets the flags the kernel reported on `info`. */
export function decodeClsFlags(info: ClsFlagsInfo, f: number): void {
  if (f & TCA_CLS_FLAGS_SKIP_HW) info.skip_hw = true;
  if (f & TCA_CLS_FLAGS_SKIP_SW) info.skip_sw = true;
  if (f & TCA_CLS_FLAGS_IN_HW) info.in_hw = true;
  if (f & TCA_CLS_FLAGS_NOT_IN_HW) info.not_in_hw = true;
}
