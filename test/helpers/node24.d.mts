export declare const NODE24_VERSION: string;
export declare const node24Unavailable: string | undefined;
export declare function node24(): string;
