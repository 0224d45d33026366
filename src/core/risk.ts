// How much a step may disturb a production mail server; policies and --max-risk cap it.

export type Risk = 'low' | 'medium' | 'high';
export const RISKS: readonly Risk[] = ['low', 'medium', 'high'];
export const RISK_RANK: Readonly<Record<Risk, number>> = { low: 1, medium: 2, high: 3 };
